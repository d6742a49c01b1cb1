/**
 * Real-time updates benchmark (on demand, not in CI):
 *   pnpm exec tsx bench/realtime-worker.ts [--events 3000] [--rate 100] [--duration 10] [--ratings 20]
 *       [--redis redis://127.0.0.1:6379]
 * Runs the online stack (gateway, recall, features, ranking, model server) on the recall-service fixture
 * under private NATS subject / Redis key prefixes, plus the nearline worker as its own process.
 *
 * 1. Throughput. Baseline: the worker's apply logic called in this process (no NATS), 64 in flight.
 *    Worker: the same number of events published to JetStream, applied by the worker process; events/s
 *    from the first publish to the last apply, and the ratio to the baseline.
 * 2. Event-to-visible latency: POST a rating to the gateway, then poll Redis until the worker's write is
 *    there (what the next recommendation request reads); `--ratings` per second, idle first (baseline),
 *    then while autocannon sends `--rate` recommendation requests per second to the gateway.
 *    Target: p99 ≤ 250 ms under load.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { freePort } from "@wren/testing";
// @ts-expect-error autocannon ships no type declarations
import autocannon from "autocannon";
import { ratingTopology } from "../packages/contracts/src/index.js";
import { RealtimeWriter } from "../packages/feature-store/src/index.js";
import { httpOk, ROOT, tsProcess, waitUntil } from "../services/gateway/test/harness/processes.js";
import { Stack } from "../services/gateway/test/harness/stack.js";
import {
  connectNats,
  deleteRatingStreams,
  RatingPublisher,
} from "../services/nearline-worker/src/adapters/jetstream.js";
import { PerUserSerialApplier } from "../services/nearline-worker/src/domain/per-user-serial.js";
import { fixtureMovies } from "../services/recall-service/test/fixture-store.js";
import { hasFlag, positiveArg, stringArg } from "./args.js";

if (hasFlag("--help")) {
  console.log(
    "usage: pnpm exec tsx bench/realtime-worker.ts [--events 3000] [--rate 100] [--duration 10] [--ratings 20] [--redis URL]",
  );
  process.exit(0);
}
const EVENTS = positiveArg("--events", 3000);
const RATE = positiveArg("--rate", 100);
const DURATION = positiveArg("--duration", 10);
const RATINGS_PER_S = positiveArg("--ratings", 20);
const REDIS = stringArg("--redis", process.env.REDIS_URL || "redis://127.0.0.1:6379");
const NATS = process.env.NATS_URL || "nats://127.0.0.1:4222";

const MOVIES = fixtureMovies().map((m) => m.movieId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Events for `users` users starting at `firstUser`, each rating distinct movies. */
function events(count: number, firstUser: number) {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    userId: firstUser + (i % 500),
    movieId: MOVIES[Math.floor(i / 500) % MOVIES.length],
    rating: 0.5 + (i % 10) * 0.5,
    timestamp: 4_000_000 + i,
    acceptedAtMs: Date.now(),
  }));
}

const stack = await Stack.start({ redisUrl: REDIS, env: { RECOMMENDATION_DEADLINE_MS: "300" } });
const workerPort = await freePort();
const worker = tsProcess("nearline-worker", join(ROOT, "services/nearline-worker/src/main.ts"), [], {
  NATS_URL: NATS,
  REDIS_URL: REDIS,
  WREN_SUBJECT_PREFIX: stack.subjectPrefix,
  FEATURE_STORE_PREFIX: stack.fixture.prefix,
  PORT: String(workerPort),
  LOG_LEVEL: "warn",
}).start();
const redis = stack.redis;
const topology = ratingTopology(stack.subjectPrefix);
const bus = await connectNats(NATS, "bench-realtime");
try {
  await waitUntil("worker readiness", () => httpOk(`http://127.0.0.1:${workerPort}/readyz`), 60_000);
  const { prefix, version } = stack.fixture;
  const applied = (u: number, m: number) => redis.hget(`${prefix}:v:${version}:rt:${u}`, `m:${m}`);

  // 1a. Baseline: the apply logic in process.
  const direct = new PerUserSerialApplier(new RealtimeWriter(redis, prefix));
  const baseEvents = events(EVENTS, 100_000);
  let t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < baseEvents.length) {
        const i = next++;
        await direct.apply({ ...baseEvents[i], seq: i + 1 });
      }
    }),
  );
  const baseRate = EVENTS / ((performance.now() - t) / 1000);

  // 1b. The worker process, fed through JetStream.
  const publisher = new RatingPublisher(bus, stack.subjectPrefix);
  const workerEvents = events(EVENTS, 200_000);
  t = performance.now();
  for (let i = 0; i < workerEvents.length; i += 256) {
    await Promise.all(workerEvents.slice(i, i + 256).map((e) => publisher.publish(e)));
  }
  const publishedAt = performance.now();
  const lastOfEachUser = workerEvents.slice(-500);
  await waitUntil(
    "worker applied every event",
    async () => (await Promise.all(lastOfEachUser.map((e) => applied(e.userId, e.movieId)))).every(Boolean),
    300_000,
  );
  const workerRate = EVENTS / ((performance.now() - t) / 1000);

  console.log(`realtime worker benchmark (${EVENTS} events over 500 users; machine shared with other work)`);
  console.log(`  baseline, apply logic in process (64 in flight): ${baseRate.toFixed(0)} events/s`);
  console.log(
    `  worker process via JetStream: ${workerRate.toFixed(0)} events/s (publishing took ${((publishedAt - t) / 1000).toFixed(1)} s)` +
      ` = ${(workerRate / baseRate).toFixed(2)}× baseline`,
  );

  // 2. Event-to-visible latency through the gateway.
  let user = 300_000;
  const latencies = async (seconds: number): Promise<number[]> => {
    const out: number[] = [];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const started = performance.now();
      const u = user++;
      const movieId = MOVIES[u % MOVIES.length];
      const res = await fetch(`${stack.gatewayUrl}/api/users/${u}/ratings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ movieId, rating: 4 }),
      });
      if (res.status !== 202) throw new Error(`rating answered ${res.status}: ${await res.text()}`);
      while (!(await applied(u, movieId))) await sleep(1);
      out.push(performance.now() - started);
      await sleep(Math.max(0, 1000 / RATINGS_PER_S - (performance.now() - started)));
    }
    return out.sort((a, b) => a - b);
  };
  const idle = await latencies(Math.min(DURATION, 5));
  const load = autocannon({
    url: stack.gatewayUrl,
    connections: 8,
    duration: DURATION,
    overallRate: RATE,
    requests: [
      {
        method: "GET",
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          path: `/api/users/${2 + Math.floor(Math.random() * 39)}/recommendations?size=10`,
        }),
      },
    ],
  }) as Promise<{
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }>;
  await sleep(500);
  const loaded = await latencies(DURATION - 1);
  const served = await load;
  console.log(`event-to-visible (POST → worker's write readable in Redis), ${RATINGS_PER_S} ratings/s:`);
  console.log(`  idle (baseline): n=${idle.length} p50 ${ms(pct(idle, 50))} p99 ${ms(pct(idle, 99))}`);
  console.log(
    `  gateway serving ${served.requests.average.toFixed(0)} req/s (p50 ${ms(served.latency.p50)}, p99 ${ms(served.latency.p99)}, ` +
      `errors ${served.errors + served.timeouts + served.non2xx}): n=${loaded.length} p50 ${ms(pct(loaded, 50))} ` +
      `p99 ${ms(pct(loaded, 99))} (target ≤ 250 ms) = ${(pct(loaded, 99) / pct(idle, 99)).toFixed(2)}× idle p99`,
  );
} finally {
  await worker.kill("SIGTERM");
  await stack.stop();
  await deleteRatingStreams(bus, topology);
  await bus.close();
}
