import { collectProcessMetrics, createLogger, type Logger, shutdownTelemetry } from "@wren/telemetry";
import { Bus } from "./bus.js";
import { type Route, type ServiceHandle, serve } from "./serve.js";

type Env = Record<string, string | undefined>;

/** Reads an integer env key in [min, max]; throws naming the key. */
export function envInt(env: Env, key: string, dflt: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`config: ${key}=${JSON.stringify(raw)} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

/** The bus settings every service reads: `NATS_URL`, `WREN_SUBJECT_PREFIX`. */
export function busEnv(env: Env): { natsUrl: string; subjectPrefix: string | undefined } {
  return {
    natsUrl: env.NATS_URL || "nats://127.0.0.1:4222",
    subjectPrefix: env.WREN_SUBJECT_PREFIX || undefined,
  };
}

export interface RunServiceOptions {
  name: string;
  version: string;
  description: string;
  natsUrl: string;
  subjectPrefix?: string;
  /** Builds the routes once connected (the bus is passed for services that call others). */
  routes(bus: Bus, logger: Logger): Promise<Route[]> | Route[];
  /** Closes the service's own resources (Redis, timers) after the bus stopped taking requests. */
  onStop?(): Promise<void> | void;
}

/**
 * The start-up of every back-end service: connect, register the queue-group service, log readiness, and
 * on SIGTERM / SIGINT stop taking requests, finish the ones in flight, drain NATS, close resources, flush
 * spans, exit 0. Telemetry itself is loaded earlier with `--import @wren/telemetry/register`.
 */
export async function runService(
  options: RunServiceOptions,
): Promise<{ bus: Bus; handle: ServiceHandle; stop(): Promise<void> }> {
  const logger = createLogger({ service: options.name });
  collectProcessMetrics();
  const bus = await Bus.connect({
    servers: options.natsUrl,
    name: options.name,
    subjectPrefix: options.subjectPrefix,
  });
  const routes = await options.routes(bus, logger);
  const handle = await serve(
    bus,
    { name: options.name, version: options.version, description: options.description, logger },
    routes,
  );
  logger.info("ready", {
    nats: options.natsUrl,
    subjects: routes.map((r) => bus.subject(r.endpoint.subject)),
    queue: options.name,
  });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping: draining in-flight requests", { inFlight: handle.inFlight() });
      await handle.stop();
      await bus.drain();
      await options.onStop?.();
      await shutdownTelemetry();
      logger.info("stopped");
    })();
    return stopping;
  };
  const onSignal = (signal: string) => {
    stop().then(
      () => process.exit(0),
      (e) => {
        logger.error("unclean stop", { signal, err: e });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  return { bus, handle, stop };
}

/**
 * ioredis options for a long-running service: reconnect forever, but fail commands fast while Redis is
 * down (callers degrade) instead of queueing them until every deadline has passed.
 *
 * No auto-pipelining: its per-tick Pipeline objects kept each request's replies alive across young-generation
 * GCs, so they were promoted and the recall service ran a full mark-compact every 3–5 s at 200 requests/s.
 * Without it the recall service spent 9% less CPU per request at saturation (A/B, bench notes in
 * docs/online-services.md); batched reads still go out as one explicit pipeline.
 */
export function serviceRedisOptions(commandTimeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
  };
}

interface RedisLike {
  status: string;
  once(event: "ready", listener: () => void): unknown;
  on(event: "error", listener: (e: Error) => void): unknown;
}

/**
 * Logs Redis errors (throttled to state changes) and waits up to `timeoutMs` for the first connection, so
 * a service that starts together with Redis does not answer its first requests with 503s.
 */
export async function awaitRedis(redis: RedisLike, logger: Logger, timeoutMs: number): Promise<void> {
  let lastMessage = "";
  redis.on("error", (e) => {
    if (e.message !== lastMessage) logger.warn("redis error", { err: e.message });
    lastMessage = e.message;
  });
  if (redis.status === "ready") return;
  const ready = await Promise.race([
    new Promise<boolean>((r) => redis.once("ready", () => r(true))),
    new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
  ]);
  if (!ready) logger.warn("redis not reachable yet; serving 503s until it is", { waitedMs: timeoutMs });
}
