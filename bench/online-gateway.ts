/**
 * Online "guess you like" benchmark (on demand, not in CI):
 *   pnpm exec tsx bench/online-gateway.ts [--rate 200] [--duration 10] [--warmup 30] [--candidates 800] [--users 1000]
 *       [--features-prefix wren] [--models models] [--model neuralcf] [--redis URL] [--connections 16]
 *       [--deadline 300] [--rounds 3]
 * Needs features in Redis and a trained model: what `pnpm start` leaves behind (or pass your own).
 *
 * 1. Baseline: the same logic in ONE process (recall, features, one onnxruntime run, display data; no NATS,
 *    no HTTP): latency at the fixed rate and throughput at saturation.
 * 2. Microservices: model server, feature, recall, ranking services and the gateway as separate processes
 *    on the real NATS (private subject prefix); an open-loop load evenly paced at the fixed rate, as for the
 *    baseline (p50, p99, errors, per-stage means from the gateway's metrics; see paced-load.ts for why not
 *    autocannon's overallRate), then autocannon at saturation (ranked, undegraded 2xx answers only).
 * 3. Hop floor: four processes making the same round trips with no work between them (HTTP in, NATS to a
 *    "ranking", NATS to a "recall" that reads Redis once, HTTP predict to a "model"; bench/hop-floor-process.ts),
 *    at the fixed rate and at saturation: what no service code on these hops can go below.
 * After one warm-up of each, the phases (one process, microservices and hop floor, at the fixed rate and at
 * saturation) alternate for `--rounds` rounds; each round prints its own saturation ratios, and the summary
 * holds the median round's p50, p99 and ratio against the targets, with every round's value beside it.
 * Every phase also prints the CPU milliseconds per request of each process taking part (services, NATS and
 * Redis servers, and this process: the load generator, or the whole recommender in the baseline), read from
 * /proc: on a shared machine CPU time shows where the hops cost when wall-clock rates swing.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "@wren/testing";
// @ts-expect-error autocannon ships no type declarations
import autocannon from "autocannon";
import { tuneGarbageCollector } from "../packages/telemetry/src/gc-tuning.js";
import { InProcessRecommender } from "../services/gateway/test/harness/in-process.js";
import {
  httpOk,
  ROOT,
  type TestProcess,
  tsProcess,
  waitUntil,
} from "../services/gateway/test/harness/processes.js";
import { hasFlag, positiveArg, stringArg } from "./args.js";
import { connectNats } from "./nats-client.js";
import { httpGetter, type PacedResult, pacedLoad } from "./paced-load.js";
import { sharedServerPids, treeCpuMs } from "./proc-cpu.js";

if (hasFlag("--help")) {
  console.log(
    "usage: pnpm exec tsx bench/online-gateway.ts [--rate 200] [--duration 10] [--warmup 30] [--candidates 800]\n" +
      "  [--users 1000] [--features-prefix wren] [--models models] [--model neuralcf] [--redis URL]\n" +
      "  [--connections 16] [--deadline 300] [--rounds 3]",
  );
  process.exit(0);
}
const rate = positiveArg("--rate", 200);
const duration = positiveArg("--duration", 10);
/**
 * Seconds of load at the fixed rate before measuring: JIT, caches and connection pools reach steady state.
 * Five processes each tier up their own hot code: on the 2-core VM the microservices' p50 and p99 kept
 * falling for about 20 s at 200/s (the warm-up prints its 5-second windows to show where it settles).
 */
const warmup = positiveArg("--warmup", 30);
/** Rounds of the four measured phases, alternated (see below). */
const rounds = positiveArg("--rounds", 3);
const candidates = positiveArg("--candidates", 800);
const users = positiveArg("--users", 1000);
const connections = positiveArg("--connections", 16);
/** The gateway's whole-request budget (its default is 300 ms). */
const deadline = positiveArg("--deadline", 300);
const model = stringArg("--model", "neuralcf");
const featurePrefix = stringArg("--features-prefix", process.env.FEATURE_STORE_PREFIX || "wren");
const modelsDir = resolve(stringArg("--models", "models"));
const redisUrl = stringArg("--redis", process.env.REDIS_URL || "redis://127.0.0.1:6379");
const natsUrl = process.env.NATS_URL || "nats://127.0.0.1:4222";
const SIZE = 20;
// The one-process baseline runs with the services' GC setting (WREN_PARALLEL_SCAVENGE reaches both).
tuneGarbageCollector();

const versions = existsSync(join(modelsDir, model))
  ? readdirSync(join(modelsDir, model))
      .filter((d) => /^[1-9]\d*$/.test(d))
      .map(Number)
      .sort((a, b) => a - b)
  : [];
const version = versions.at(-1);
if (version === undefined) {
  console.error(
    `no trained ${model} under ${modelsDir}: run \`pnpm start\` once (or \`wren train --model ${model}\`), or pass --models`,
  );
  process.exit(1);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (v: number) => `${v.toFixed(2)} ms`;
let userCursor = 0;
const nextUser = () => 1 + (userCursor++ % users);

/** NATS and Redis work for both setups; their CPU is part of each request's cost. */
const serverPids = sharedServerPids();

/**
 * CPU milliseconds per request of every process taking part, over `run`: where the hops cost, robust to the
 * neighbours' load that moves wall-clock rates. `self` is this process (the load generator, or the whole
 * recommender in the one-process baseline).
 */
async function cpuPerRequest<T>(
  pids: Record<string, number | undefined>,
  run: () => Promise<T>,
  requests: (result: T) => number,
): Promise<{ result: T; line: string }> {
  const all = { ...pids, ...serverPids };
  const before = Object.entries(all).map(([, pid]) => (pid ? treeCpuMs(pid) : 0));
  const self0 = process.cpuUsage();
  const result = await run();
  const self = process.cpuUsage(self0);
  const parts = Object.entries(all).map(
    ([name, pid], i) => [name, pid ? treeCpuMs(pid) - (before[i] ?? 0) : 0] as const,
  );
  parts.push(["self", (self.user + self.system) / 1000]);
  const n = Math.max(1, requests(result));
  const total = parts.reduce((sum, [, cpu]) => sum + cpu, 0);
  const line = `CPU ms/request: ${parts.map(([name, cpu]) => `${name} ${(cpu / n).toFixed(2)}`).join(", ")}; total ${(total / n).toFixed(2)}`;
  return { result, line };
}

console.log(
  `online gateway benchmark: ${model} v${version}, ${candidates} candidates, top ${SIZE}, rate ${rate}/s for ${duration}s, deadline ${deadline} ms, features "${featurePrefix}"`,
);
console.log("(machine shared with other work: compare the ratios, not absolute numbers)\n");

// ---- the one-process baseline ----
const baseline = await InProcessRecommender.start({ redisUrl, featurePrefix, modelsDir, model, version });
for (let i = 0; i < 200; i++) await baseline.recommend(nextUser(), model, SIZE, candidates);

async function baselineSaturation(): Promise<{ requests: number; rps: number }> {
  let done = 0;
  const until = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await baseline.recommend(nextUser(), model, SIZE, candidates);
        done++;
      }
    }),
  );
  return { requests: done, rps: done / duration };
}

const pacedCount = (r: PacedResult) => r.lat.length + r.errors;
const baselineCall = async () =>
  (await baseline.recommend(nextUser(), model, SIZE, candidates)).degraded ? "degraded" : "ok";

// ---- transport floor: what one NATS request/reply costs here, paced like the load ----
// A "guess you like" makes two of these in sequence (gateway → ranking, ranking → recall) besides the
// HTTP hops to the gateway and the model server and one Redis round trip.
{
  const [server, client] = [await connectNats(natsUrl), await connectNats(natsUrl)];
  const echo = `bench-echo-${randomUUID()}`;
  server.subscribe(echo, { callback: (_, m) => m.respond(m.data) });
  await server.flush();
  const payload = new Uint8Array(3200); // 800 int32 candidate ids
  const { result: rtt, line: rttCpu } = await cpuPerRequest(
    {},
    () =>
      pacedLoad(rate, Math.min(duration, 5), async () => {
        await client.request(echo, payload, { timeout: 1000 });
        return "ok";
      }),
    pacedCount,
  );
  console.log(
    `NATS request/reply floor at ${rate}/s (echo, 3.2 kB, no work): p50 ${ms(pct(rtt.lat, 50))}, p99 ${ms(pct(rtt.lat, 99))}`,
  );
  console.log(`    ${rttCpu} (self: both ends)\n`);
  await Promise.all([server.close(), client.close()]);
}

// ---- the microservices ----
const subjectPrefix = `bench-${randomUUID()}`;
const [gatewayPort, restPort] = [await freePort(), await freePort()];
const env = {
  NATS_URL: natsUrl,
  REDIS_URL: redisUrl,
  WREN_SUBJECT_PREFIX: subjectPrefix,
  FEATURE_STORE_PREFIX: featurePrefix,
  MODELS_DIR: modelsDir,
  MODEL_SERVER_URL: `http://127.0.0.1:${restPort}`,
  RANKING_CANDIDATES: String(candidates),
  RATE_LIMIT_PER_MINUTE: "10000000",
  RECOMMENDATION_DEADLINE_MS: String(deadline),
  // ranking-service's share for recall (its default, 150 ms, assumes an idle machine).
  RECALL_BUDGET_MS: String(Math.floor(deadline / 2)),
  LOG_LEVEL: "warn",
};
const service = (name: string) => join(ROOT, "services", name, "src/main.ts");
// As `pnpm start` runs them: the OpenTelemetry SDK loaded, spans exported only if OTEL_EXPORTER_OTLP_* is set.
const asStarted = { telemetry: true };
const procs: TestProcess[] = [
  tsProcess(
    "model-server",
    service("model-server"),
    [
      `--model_name=${model}`,
      `--model_base_path=${join(modelsDir, model)}`,
      `--rest_api_port=${restPort}`,
      "--port=0",
    ],
    env,
    asStarted,
  ),
  tsProcess("feature-service", service("feature-service"), [], env, asStarted),
  tsProcess("recall-service", service("recall-service"), [], env, asStarted),
  tsProcess("ranking-service", service("ranking-service"), [], env, asStarted),
  tsProcess("gateway", service("gateway"), [], { ...env, PORT: String(gatewayPort) }, asStarted),
].map((p) => p.start());
const gateway = `http://127.0.0.1:${gatewayPort}`;

// ---- the hop floor: the same round trips with no work (bench/hop-floor-process.ts) ----
const [floorPort, floorModelPort] = [await freePort(), await freePort()];
const floorEnv = {
  NATS_URL: natsUrl,
  REDIS_URL: redisUrl,
  HOP_SUBJECT: `${subjectPrefix}.hop-floor`,
  HOP_CANDIDATES: String(candidates),
  MODEL_URL: `http://127.0.0.1:${floorModelPort}`,
};
const floorProcs = (["model", "recall", "ranking", "gateway"] as const).map((role) =>
  tsProcess(`floor ${role}`, join(ROOT, "bench/hop-floor-process.ts"), [], {
    ...floorEnv,
    HOP_ROLE: role,
    PORT: String(role === "model" ? floorModelPort : floorPort),
  }).start(),
);
const floor = `http://127.0.0.1:${floorPort}`;
const stopAll = () => Promise.all([...procs, ...floorProcs].map((p) => p.kill("SIGTERM")));
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

interface AutocannonResult {
  "2xx": number;
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Seconds from start to the last response counted: autocannon stops at the first tick past `duration`. */
  duration: number;
}

const median = (values: number[]) =>
  pct(
    [...values].sort((a, b) => a - b),
    50,
  );

try {
  await waitUntil("the gateway's readiness", () => httpOk(`${gateway}/readyz`), 120_000);
  const path = () => `/api/users/${nextUser()}/recommendations?model=${model}&size=${SIZE}`;
  for (let i = 0; i < 200; i++) await (await fetch(gateway + path())).arrayBuffer();
  const get = httpGetter(gateway);
  const pids = Object.fromEntries(procs.map((p) => [p.label, p.pid]));
  // What the stack burns with no traffic (timers, heartbeats, metrics): a floor under every per-request figure.
  const { line: idleCpu } = await cpuPerRequest(
    pids,
    () => new Promise((r) => setTimeout(r, 5000)),
    () => 5,
  );
  console.log(`microservices idle: ${idleCpu.replace("CPU ms/request", "CPU ms/s")}`);
  // Printed, not counted: the first seconds under load are JIT compiles and cold caches (the one-process
  // baseline gets the same warm-up).
  await pacedLoad(rate, warmup, baselineCall);
  const windows: string[] = [];
  for (let at = 0; at < warmup; at += 5) {
    const w = await pacedLoad(rate, Math.min(5, warmup - at), () => get(path()));
    windows.push(
      `${at}s p50 ${pct(w.lat, 50).toFixed(1)} p99 ${pct(w.lat, 99).toFixed(1)} errors ${w.errors}`,
    );
  }
  console.log(`microservices warm-up, ${warmup}s at ${rate}/s (not counted), ms per 5 s window:`);
  console.log(`  ${windows.join("; ")}\n`);

  const saturate = (url = gateway, next = path): Promise<AutocannonResult> =>
    autocannon({
      url,
      connections,
      duration,
      requests: [
        { method: "GET", setupRequest: (req: Record<string, unknown>) => ({ ...req, path: next() }) },
      ],
    });
  const answered = (r: AutocannonResult) => r["2xx"] + r.non2xx;
  const failed = (r: AutocannonResult) => r.errors + r.timeouts + r.non2xx;
  const floorPids = Object.fromEntries(floorProcs.map((p) => [p.label, p.pid]));
  const floorGet = httpGetter(floor);
  const floorPath = () => "/";
  await waitUntil("the hop floor", () => httpOk(floor), 60_000);
  await pacedLoad(rate, 5, () => floorGet(floorPath()));

  // The phases alternate, round after round, so that a slow spell of this shared machine falls on both
  // setups alike; the summary takes the median round.
  const summary: {
    p50: number;
    p99: number;
    errors: number;
    ratio: number;
    hopP50: number;
    hopP99: number;
    hopRatio: number;
  }[] = [];
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}`);
    const { result: bFixed, line: bFixedCpu } = await cpuPerRequest(
      {},
      () => pacedLoad(rate, duration, baselineCall),
      pacedCount,
    );
    console.log(
      `  one process at ${rate}/s: p50 ${ms(pct(bFixed.lat, 50))}, p99 ${ms(pct(bFixed.lat, 99))}, errors ${bFixed.errors}, degraded ${bFixed.degraded}`,
    );
    console.log(`    ${bFixedCpu}`);

    const before = await stageTotals(gateway);
    const { result: fixed, line: fixedCpu } = await cpuPerRequest(
      pids,
      () => pacedLoad(rate, duration, () => get(path())),
      pacedCount,
    );
    const after = await stageTotals(gateway);
    console.log(
      `  microservices at ${rate}/s: ${fixed.achieved.toFixed(0)} req/s, p50 ${ms(pct(fixed.lat, 50))}, p99 ${ms(pct(fixed.lat, 99))}, ` +
        `errors ${fixed.errors}, degraded ${fixed.degraded}`,
    );
    console.log(`    ${fixedCpu}`);
    if (after.degraded > before.degraded)
      console.log(`    degraded reasons so far: ${JSON.stringify(after.reasons)}`);
    for (const [stage, t] of Object.entries(after.stages)) {
      const b = before.stages[stage] ?? { sum: 0, count: 0 };
      const n = t.count - b.count;
      if (n > 0)
        console.log(`    stage mean: ${stage.padEnd(44)} ${ms(((t.sum - b.sum) / n) * 1000)} over ${n}`);
    }

    const { result: bSat, line: bSatCpu } = await cpuPerRequest({}, baselineSaturation, (r) => r.requests);
    console.log(`  one process at saturation (${connections} concurrent): ${bSat.rps.toFixed(0)} req/s`);
    console.log(`    ${bSatCpu}`);

    const satBefore = await stageTotals(gateway);
    const { result: sat, line: satCpu } = await cpuPerRequest(pids, saturate, answered);
    const satDegraded = (await stageTotals(gateway)).degraded - satBefore.degraded;
    // Only full answers count: a 504 or a degraded (unranked) list is not throughput.
    // (The degraded counter counts reasons, so it can exceed the answers: clamp.)
    const goodput = Math.max(0, sat["2xx"] - satDegraded) / sat.duration;
    console.log(
      `  microservices at saturation (${connections} connections): ${goodput.toFixed(0)} req/s ranked 2xx ` +
        `(${sat.requests.average.toFixed(0)} req/s sent), p50 ${ms(sat.latency.p50)}, p99 ${ms(sat.latency.p99)}, ` +
        `errors ${failed(sat)}, degraded ${satDegraded}`,
    );
    console.log(`    ${satCpu}`);
    const ratio = goodput / bSat.rps;
    console.log(`  saturation ratio microservices / one process: ${ratio.toFixed(2)}`);

    const { result: hop, line: hopCpu } = await cpuPerRequest(
      floorPids,
      () => pacedLoad(rate, duration, () => floorGet(floorPath())),
      pacedCount,
    );
    console.log(
      `  hop floor at ${rate}/s: p50 ${ms(pct(hop.lat, 50))}, p99 ${ms(pct(hop.lat, 99))}, errors ${hop.errors}`,
    );
    console.log(`    ${hopCpu}`);
    const { result: hopSat, line: hopSatCpu } = await cpuPerRequest(
      floorPids,
      () => saturate(floor, floorPath),
      answered,
    );
    const hopRps = hopSat["2xx"] / hopSat.duration;
    const hopRatio = hopRps / bSat.rps;
    console.log(
      `  hop floor at saturation (${connections} connections): ${hopRps.toFixed(0)} req/s 2xx, errors ${failed(hopSat)}`,
    );
    console.log(`    ${hopSatCpu}`);
    console.log(`  saturation ratio hop floor / one process: ${hopRatio.toFixed(2)}\n`);
    summary.push({
      p50: pct(fixed.lat, 50),
      p99: pct(fixed.lat, 99),
      errors: fixed.errors,
      ratio,
      hopP50: pct(hop.lat, 50),
      hopP99: pct(hop.lat, 99),
      hopRatio,
    });
  }

  const list = (f: (r: (typeof summary)[number]) => number, digits: number) =>
    summary.map((r) => f(r).toFixed(digits)).join(", ");
  console.log(`microservices at ${rate}/s, ${rounds} rounds (median of the rounds against the target):`);
  console.log(`  p50 ${ms(median(summary.map((r) => r.p50)))} (target ≤ 5; rounds ${list((r) => r.p50, 2)})`);
  console.log(
    `  p99 ${ms(median(summary.map((r) => r.p99)))} (target ≤ 20; rounds ${list((r) => r.p99, 2)})`,
  );
  console.log(`  errors ${summary.reduce((n, r) => n + r.errors, 0)} (target 0)`);
  console.log(
    `saturation ratio microservices / one process: ${median(summary.map((r) => r.ratio)).toFixed(2)} (target ≥ 0.4; rounds ${list((r) => r.ratio, 2)})`,
  );
  console.log(
    `hop floor (same round trips, no work), median: p50 ${ms(median(summary.map((r) => r.hopP50)))}, ` +
      `p99 ${ms(median(summary.map((r) => r.hopP99)))} at ${rate}/s; saturation ratio ` +
      `${median(summary.map((r) => r.hopRatio)).toFixed(2)} (rounds ${list((r) => r.hopRatio, 2)})`,
  );
} catch (err) {
  console.error((err as Error).message);
  for (const p of [...procs, ...floorProcs]) console.error(p.describe());
  process.exitCode = 1;
} finally {
  await Promise.all([stopAll(), baseline.stop()]);
}

/** Sums and counts of the gateway's stage histograms, and its degraded counter. */
async function stageTotals(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const stages: Record<string, { sum: number; count: number }> = {};
  let degraded = 0;
  const reasons: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m =
      /^(http_request_duration_seconds|wren_bus_request_duration_seconds)_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/.exec(
        line,
      );
    if (m) {
      const [, metric, kind, labels, value] = m as unknown as [
        string,
        string,
        "sum" | "count",
        string,
        string,
      ];
      if (metric === "http_request_duration_seconds" && !labels.includes("recommendations")) continue;
      const subject = /subject="([^"]+)"/.exec(labels)?.[1];
      const name = subject ? `NATS ${subject}` : "HTTP request (whole)";
      stages[name] ??= { sum: 0, count: 0 };
      stages[name][kind] += Number(value);
    }
    const d = /^wren_gateway_degraded_total\{[^}]*reason="([^"]*)"[^}]*\} ([\d.e+-]+)$/.exec(line);
    if (d) {
      degraded += Number(d[2]);
      reasons[d[1] as string] = (reasons[d[1] as string] ?? 0) + Number(d[2]);
    }
  }
  return { stages, degraded, reasons };
}
