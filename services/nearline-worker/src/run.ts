import { randomUUID } from "node:crypto";
import { awaitRedis, serviceRedisOptions } from "@wren/bus";
import { ratingTopology } from "@wren/contracts";
import { RealtimeWriter } from "@wren/feature-store";
import type { Logger } from "@wren/telemetry";
import { Redis } from "ioredis";
import { startHttp } from "./adapters/http.js";
import { connectNats } from "./adapters/jetstream.js";
import { VersionReplayer } from "./adapters/replay.js";
import { RatingWorker } from "./adapters/worker.js";
import type { WorkerConfig } from "./config.js";
import type { Verdict } from "./domain/handle-event.js";
import { PerUserSerialApplier } from "./domain/per-user-serial.js";

export interface NearlineWorkerHandle {
  /** Base URL of /healthz, /readyz, /metrics. */
  url: string;
  worker: RatingWorker;
  replayer: VersionReplayer;
  /** Graceful drain: stop pulling, apply and ack what this replica holds, close NATS and Redis. */
  stop(): Promise<void>;
}

/** Starts one worker replica: consumer loop, version watcher (replay) and lag poller, HTTP endpoints. */
export async function startNearlineWorker(
  config: WorkerConfig,
  logger: Logger,
  hooks: { onVerdict?(v: Verdict, seq: number): void } = {},
): Promise<NearlineWorkerHandle> {
  const redis = new Redis(config.redisUrl, serviceRedisOptions(config.redisCommandTimeoutMs));
  await awaitRedis(redis, logger, 5000);
  const nc = await connectNats(config.natsUrl, "nearline-worker");
  const topology = ratingTopology(config.subjectPrefix);
  const writer = new RealtimeWriter(redis, config.featureStorePrefix, {
    allowNewUsers: config.allowNewUsers,
  });
  const worker = await RatingWorker.create(
    nc,
    topology,
    new PerUserSerialApplier(writer),
    {
      batchSize: config.batchSize,
      ackWaitMs: config.ackWaitMs,
      maxDeliveries: config.maxDeliveries,
      onVerdict: hooks.onVerdict,
    },
    logger,
  );
  const replayer = new VersionReplayer(nc, topology, writer, randomUUID(), logger);
  // The replay comes first so a rebuilt version is caught up before new events pile onto it.
  await replayer.check().catch((err) => logger.warn("replay check failed", { err: (err as Error).message }));
  worker.start();
  const timer = setInterval(() => {
    replayer.check().catch((err) => logger.warn("replay check failed", { err: (err as Error).message }));
    worker.refreshLag().catch(() => {});
  }, config.pollMs);
  timer.unref();
  const http = await startHttp(config.host, config.port, async () => {
    const checks = {
      nats: nc.isClosed() ? "closed" : "connected",
      redis: redis.status,
      consumer: worker.bound ? `${topology.stream}/${topology.consumer}` : "not bound",
    };
    return { ready: !nc.isClosed() && redis.status === "ready" && worker.bound, checks };
  });
  logger.info("ready", { url: http.url, stream: topology.stream, subject: topology.submitted });

  let stopping: Promise<void> | null = null;
  return {
    url: http.url,
    worker,
    replayer,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await worker.stop();
        await replayer.check().catch(() => {});
        await nc.drain();
        await new Promise<void>((r) => http.server.close(() => r()));
        redis.disconnect();
      })();
      return stopping;
    },
  };
}
