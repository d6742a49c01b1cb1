import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { awaitRedis, Bus, RemoteError, serve, serviceRedisOptions } from "@wren/bus";
import { ENDPOINTS } from "@wren/contracts";
import { FeatureStore } from "@wren/feature-store";
import { createLogger } from "@wren/telemetry";
import { freePort } from "@wren/testing";
import { Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";
import { DEFAULT_RECALL_CONFIG, LiveCatalog, recallRoutes } from "../src/index.js";
import { writeFixture } from "./fixture-store.js";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  probe.on("error", () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect().catch(() => {});
      if ((await probe.ping()) === "PONG") break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return proc;
}

let redisProc: ChildProcess | undefined;
afterAll(() => {
  redisProc?.kill("SIGKILL");
});

it("answers 503 fast while its Redis is down and recovers when it returns", async () => {
  const port = await freePort();
  redisProc = await startRedis(port);
  const writer = new Redis(port, "127.0.0.1");
  const fx = await writeFixture(writer);
  writer.disconnect();

  const redis = new Redis(port, "127.0.0.1", serviceRedisOptions(200));
  const logger = createLogger({ test: "redis-outage" }, "silent");
  await awaitRedis(redis, logger, 5000);
  const store = new FeatureStore(redis, fx.prefix);
  const catalog = new LiveCatalog(store, { minRatingCount: 10, pollMs: 100 });
  await catalog.start();
  const prefix = `test-${randomUUID()}`;
  const [server, client] = await Promise.all([
    Bus.connect({ servers: NATS_URL, name: "recall-outage", subjectPrefix: prefix }),
    Bus.connect({ servers: NATS_URL, name: "client", subjectPrefix: prefix }),
  ]);
  const handle = await serve(
    server,
    { name: "recall-service", version: "0.1.0" },
    recallRoutes({ catalog, store, recall: DEFAULT_RECALL_CONFIG }),
  );
  try {
    expect((await client.request(ENDPOINTS.recallCandidates, { userId: 6 })).movieIds.length).toBeGreaterThan(
      0,
    );

    redisProc.kill("SIGKILL");
    await new Promise((r) => redisProc?.once("exit", r));
    const t0 = Date.now();
    const err = await client
      .request(ENDPOINTS.recallCandidates, { userId: 6 }, { timeoutMs: 3000 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 503, type: "unavailable", retryable: true });
    expect(err.message).toMatch(/feature store unavailable/);
    expect(Date.now() - t0).toBeLessThan(1000);
    // The in-memory catalogue keeps answering look-ups that need no Redis.
    expect((await client.request(ENDPOINTS.catalogGenres, {})).genres).toHaveLength(4);

    redisProc = await startRedis(port);
    const again = new Redis(port, "127.0.0.1");
    // The fresh server lost the data: load a new version under the prefix the service reads.
    const reloaded = await writeFixture(again, { prefix: fx.prefix });
    again.disconnect();
    let ok: number | undefined;
    for (let i = 0; i < 50 && ok === undefined; i++) {
      ok = await client
        .request(ENDPOINTS.recallCandidates, { userId: 6 })
        .then((r) => r.movieIds.length)
        .catch(() => undefined);
      if (ok === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBeGreaterThan(0);
    expect(catalog.current().version).toBe(reloaded.version);
  } finally {
    await handle.stop();
    catalog.stop();
    redis.disconnect();
    await Promise.all([server.drain(), client.drain()]);
  }
});
