/**
 * Online services benchmark (on demand, not in CI):
 *   pnpm exec tsx bench/online-services.ts [--requests 300] [--concurrency 8] [--seconds 3]
 *
 * 1. Codec: JSON vs the columnar codec of @wren/contracts on the two big messages (800 recall candidates;
 *    a feature batch of 800 movies × 7 features), encode + decode per message.
 * 2. "Guess you like" with 800 candidates and neuralcf on a generated 1,000-movie catalogue in Redis and
 *    our model server: the same functions called in one process (baseline) vs over NATS request/reply
 *    (recall, feature and ranking services served on the real NATS from this process, so the difference
 *    is the bus: encode, validate, hop, decode). Latency p50/p99 sequentially, then throughput at a fixed
 *    concurrency. The gateway's HTTP load test (separate processes) is bench/online-gateway.ts.
 */
import { randomUUID } from "node:crypto";
import { Bus, serve } from "../packages/bus/src/index.js";
import {
  channelMask,
  decodePayload,
  ENDPOINTS,
  encodePayload,
  type FeaturesResponse,
  type RecallResponse,
} from "../packages/contracts/src/index.js";
import { connectRedis, FeatureStore } from "../packages/feature-store/src/index.js";
import { TfServingClient } from "../packages/tfserving-client/src/index.js";
import { BatchReader, featureRoutes } from "../services/feature-service/src/index.js";
import {
  createInProcessPipeline,
  rankingRoutes,
  tfServingPorts,
} from "../services/ranking-service/src/index.js";
import { startNeuralCfServer } from "../services/ranking-service/test/model-server-fixture.js";
import { DEFAULT_RECALL_CONFIG, LiveCatalog, recallRoutes } from "../services/recall-service/src/index.js";
import { writeFixture } from "../services/recall-service/test/fixture-store.js";
import { hasFlag, positiveArg } from "./args.js";

if (hasFlag("--help")) {
  console.log(
    "usage: pnpm exec tsx bench/online-services.ts [--requests 300] [--concurrency 8] [--seconds 3]",
  );
  process.exit(0);
}
const REQUESTS = positiveArg("--requests", 300);
const CONCURRENCY = positiveArg("--concurrency", 8);
const SECONDS = positiveArg("--seconds", 3);
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function timePerOp(fn: () => void, minMs = 300): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return ((performance.now() - t0) / n) * 1000;
}

function codecBench(): void {
  const ids = Array.from({ length: 800 }, (_, i) => 1 + ((i * 7919) % 60000));
  const recall: RecallResponse = {
    userId: 42,
    movieIds: ids,
    channelMasks: ids.map((_, i) => channelMask(i % 3 ? ["i2v"] : ["genre", "popular"])),
    coldStart: false,
    featureVersion: "20261129T000000000Z-abcd",
  };
  const features: FeaturesResponse = {
    featureVersion: "v",
    userId: 42,
    userFound: true,
    user: { userAvgRating: 3.7 },
    movieIds: ids,
    movieColumns: {
      movieAvgRating: ids.map((i) => 2.5 + (i % 250) / 100),
      movieRatingStddev: ids.map((i) => 0.3 + (i % 97) / 131),
      movieRatingCount: ids.map((i) => i % 5000),
      releaseYear: ids.map((i) => 1950 + (i % 70)),
      movieGenre1: ids.map((i) => ["Drama", "Comedy", "Action"][i % 3]),
      movieGenre2: ids.map((i) => ["", "Romance"][i % 2]),
      movieGenre3: ids.map(() => ""),
    },
    missingMovieIds: [],
  };
  console.log("\n1. codec, encode + decode per message (µs; lower is better)");
  for (const [name, msg] of [
    ["recall 800 candidates", recall],
    ["features 800 × 7", features],
  ] as const) {
    const json = timePerOp(() => decodePayload(encodePayload(msg, "json")));
    const col = timePerOp(() => decodePayload(encodePayload(msg, "columnar")));
    const bytesJ = encodePayload(msg, "json").byteLength;
    const bytesC = encodePayload(msg, "columnar").byteLength;
    console.log(
      `  ${name.padEnd(24)} json ${json.toFixed(1).padStart(7)} µs ${String(bytesJ).padStart(6)} B | ` +
        `columnar ${col.toFixed(1).padStart(7)} µs ${String(bytesC).padStart(6)} B | ` +
        `columnar/json time ${(col / json).toFixed(2)}×, size ${(bytesC / bytesJ).toFixed(2)}×`,
    );
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, call: (userId: number) => Promise<unknown>) {
  for (let i = 0; i < 30; i++) await call(2 + (i % 39));
  const lat: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    await call(2 + (i % 39));
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  let done = 0;
  let errors = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < until; i += CONCURRENCY) {
        try {
          await call(2 + (i % 39));
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const rps = done / SECONDS;
  console.log(
    `  ${name.padEnd(22)} p50 ${pct(lat, 50).toFixed(2).padStart(6)} ms  p99 ${pct(lat, 99).toFixed(2).padStart(6)} ms  ` +
      `throughput ${rps.toFixed(0).padStart(5)} req/s (concurrency ${CONCURRENCY}, ${errors} errors)`,
  );
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps };
}

async function pipelineBench(): Promise<void> {
  const redis = await connectRedis(REDIS_URL);
  const fx = await writeFixture(redis, { twoTower: true, perGenre: 250 });
  const ms = await startNeuralCfServer();
  const prefix = `bench-${randomUUID()}`;
  const buses: Bus[] = [];
  try {
    console.log(
      `\n2. guess you like, 800 candidates, neuralcf, ${REQUESTS} sequential requests then ${SECONDS} s loaded`,
    );
    const local = await createInProcessPipeline({
      redis,
      featureStorePrefix: fx.prefix,
      modelServerUrl: ms.url,
    });
    const check = await local.recommend({ userId: 6, model: "neuralcf", size: 10, candidates: 800 }, 2000);
    if (check.degraded) throw new Error(`baseline degraded: ${check.degradedReasons.join(", ")}`);
    const base = await measure("in-process (baseline)", (u) =>
      local.recommend({ userId: u, model: "neuralcf", size: 10, candidates: 800 }, 2000),
    );
    await local.close();

    const connect = async (name: string) => {
      const b = await Bus.connect({ servers: NATS_URL, name, subjectPrefix: prefix });
      buses.push(b);
      return b;
    };
    const store = new FeatureStore(redis, fx.prefix);
    const catalog = new LiveCatalog(store, { minRatingCount: 10, pollMs: 60_000 });
    await catalog.start();
    const model = new TfServingClient({
      protocol: "rest",
      restUrl: ms.url,
      connections: 16,
      metadataTtlMs: 5000,
    });
    const recallBus = await connect("recall-service");
    const featureBus = await connect("feature-service");
    const rankingBus = await connect("ranking-service");
    const handles = [
      await serve(
        recallBus,
        { name: "recall-service", version: "0.1.0" },
        recallRoutes({ catalog, store, recall: DEFAULT_RECALL_CONFIG }),
      ),
      await serve(
        featureBus,
        { name: "feature-service", version: "0.1.0" },
        featureRoutes(new BatchReader(redis, { prefix: fx.prefix, cacheMax: 100_000 })),
      ),
      await serve(
        rankingBus,
        { name: "ranking-service", version: "0.1.0" },
        rankingRoutes(rankingBus, tfServingPorts(model), { candidates: 800, recallBudgetMs: 1000 }),
      ),
    ];
    const client = await connect("bench-client");
    const viaBus = await measure("over NATS", (u) =>
      client.request(
        ENDPOINTS.recommend,
        { userId: u, model: "neuralcf", size: 10, candidates: 800 },
        { timeoutMs: 2000 },
      ),
    );
    console.log(
      `  ratio over NATS / in-process: p50 ${(viaBus.p50 / base.p50).toFixed(2)}×, ` +
        `throughput ${(viaBus.rps / base.rps).toFixed(2)}× (the model server shares this process and its 2 cores)`,
    );
    for (const h of handles) await h.stop();
    catalog.stop();
    await model.close();
  } finally {
    await Promise.all(buses.map((b) => b.drain()));
    await ms.close();
    await fx.cleanup();
    redis.disconnect();
  }
}

console.log(
  `online services benchmark — node ${process.version}; numbers from a shared machine vary run to run`,
);
codecBench();
await pipelineBench();
