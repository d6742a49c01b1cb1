/**
 * A/B of two builds or settings of the online services (on demand, not in CI):
 *   pnpm exec tsx bench/ab-stacks.ts [--root-a DIR] [--root-b DIR] [--env-a K=V,K=V] [--env-b K=V,K=V]
 *       [--pairs 30] [--seconds 3] [--connections 16] [--models models] [--model neuralcf]
 * Starts two stacks side by side (model server, recall, ranking, gateway; each its own subject prefix), A
 * from checkout `--root-a` with `--env-a`, B likewise, then loads them at saturation in turns (A B, B A,
 * A B, …), each for `--seconds`, and prints the CPU milliseconds per answered request of every process and
 * the B/A ratio per pair. Short alternating turns put both stacks through the same moments of a shared VM,
 * whose speed drifts by 10–20% within minutes; the quartiles of the pair ratios then show a 5% change that
 * single rounds of bench/online-gateway.ts cannot. For an old commit: `git worktree add /tmp/old <commit>`,
 * `pnpm install --offline` there, and pass `--root-a /tmp/old`.
 * Needs what bench/online-gateway.ts needs: features in Redis and a trained model (`pnpm start` once).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "@wren/testing";
// @ts-expect-error autocannon ships no type declarations
import autocannon from "autocannon";
import { httpOk, ROOT, TestProcess, waitUntil } from "../services/gateway/test/harness/processes.js";
import { hasFlag, positiveArg, stringArg } from "./args.js";
import { sharedServerPids, treeCpuMs } from "./proc-cpu.js";

const USAGE =
  "usage: pnpm exec tsx bench/ab-stacks.ts [--root-a DIR] [--root-b DIR] [--env-a K=V,K=V] [--env-b K=V,K=V]\n" +
  "  [--pairs 30] [--seconds 3] [--connections 16] [--models models] [--model neuralcf]";
if (hasFlag("--help")) {
  console.log(USAGE);
  process.exit(0);
}
const pairs = positiveArg("--pairs", 30);
const seconds = positiveArg("--seconds", 3);
const connections = positiveArg("--connections", 16);
const modelsDir = resolve(stringArg("--models", "models"));
const model = stringArg("--model", "neuralcf");
const envArg = (name: string): Record<string, string> =>
  Object.fromEntries(
    stringArg(name, "")
      .split(",")
      .filter(Boolean)
      .map((kv) => {
        const at = kv.indexOf("=");
        if (at < 1) throw new Error(`${name}: expected K=V, got ${kv}`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );

/** Shared by both stacks: their CPU counts towards whichever stack is under load. */
const servers = sharedServerPids();
const NAMES = ["model-server", "recall-service", "ranking-service", "gateway"] as const;

interface Stack {
  tag: string;
  url: string;
  procs: TestProcess[];
}

async function startStack(tag: string, root: string, extra: Record<string, string>): Promise<Stack> {
  const [gatewayPort, restPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    NATS_URL: process.env.NATS_URL || "nats://127.0.0.1:4222",
    REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
    WREN_SUBJECT_PREFIX: `ab-${tag}-${randomUUID()}`,
    MODELS_DIR: modelsDir,
    MODEL_SERVER_URL: `http://127.0.0.1:${restPort}`,
    RATE_LIMIT_PER_MINUTE: "10000000",
    LOG_LEVEL: "warn",
    ...extra,
  };
  const args: Record<(typeof NAMES)[number], string[]> = {
    "model-server": [
      `--model_name=${model}`,
      `--model_base_path=${join(modelsDir, model)}`,
      `--rest_api_port=${restPort}`,
      "--port=0",
    ],
    "recall-service": [],
    "ranking-service": [],
    gateway: [],
  };
  // As `wren start` runs them, from the stack's own checkout.
  const procs = NAMES.map((name) =>
    new TestProcess(
      `${tag} ${name}`,
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        join(root, "packages/telemetry/src/register.ts"),
        join(root, "services", name, "src/main.ts"),
        ...args[name],
      ],
      name === "gateway" ? { ...env, PORT: String(gatewayPort) } : env,
    ).start(),
  );
  const url = `http://127.0.0.1:${gatewayPort}`;
  try {
    await waitUntil(`stack ${tag}'s readiness`, () => httpOk(`${url}/readyz`), 120_000);
  } catch (e) {
    for (const p of procs) console.error(p.describe());
    throw e;
  }
  return { tag, url, procs };
}

let user = 0;
const path = () => `/api/users/${1 + (user++ % 1000)}/recommendations?model=${model}&size=20`;
/** The machine's CPU ticks by state (user, nice, system, idle, …), from /proc/stat. */
const cpuTicks = (): number[] =>
  readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);

interface Turn {
  rps: number;
  failed: number;
  idle: number;
  /** CPU ms per answered request: the stack's processes, then NATS and Redis. */
  perProcess: number[];
  total: number;
}

async function turn(stack: Stack, duration: number): Promise<Turn> {
  const pids = [...stack.procs.map((p) => p.pid), servers["nats-server"], servers["redis-server"]];
  const cpu0 = pids.map((pid) => (pid ? treeCpuMs(pid) : 0));
  const stat0 = cpuTicks();
  const r = await autocannon({
    url: stack.url,
    connections,
    duration,
    requests: [{ method: "GET", setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path() }) }],
  });
  const stat = cpuTicks().map((v, i) => v - (stat0[i] ?? 0));
  const answered = Math.max(1, r["2xx"]);
  const perProcess = pids.map((pid, i) => ((pid ? treeCpuMs(pid) : 0) - (cpu0[i] ?? 0)) / answered);
  return {
    rps: r["2xx"] / duration,
    failed: r.non2xx + r.errors + r.timeouts,
    idle: (stat[3] ?? 0) / stat.reduce((a, b) => a + b, 0),
    perProcess,
    total: perProcess.reduce((a, b) => a + b, 0),
  };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round(q * (sorted.length - 1))] ?? Number.NaN;
};
const COLUMNS = ["model", "recall", "ranking", "gateway", "nats", "redis"];

const a = await startStack("A", resolve(stringArg("--root-a", ROOT)), envArg("--env-a"));
const b = await startStack("B", resolve(stringArg("--root-b", ROOT)), envArg("--env-b"));
try {
  // JIT, caches and connection pools first, in turns as measured.
  for (const s of [a, b, a, b]) await turn(s, 8);
  const turns: Record<string, Turn[]> = { A: [], B: [] };
  for (let i = 0; i < pairs; i++) {
    for (const s of i % 2 === 0 ? [a, b] : [b, a]) turns[s.tag]?.push(await turn(s, seconds));
  }
  console.log(`${pairs} pairs of ${seconds} s at saturation (${connections} connections); medians:`);
  for (const [tag, list] of Object.entries(turns)) {
    const med = (f: (t: Turn) => number) => quantile(list.map(f), 0.5);
    console.log(
      `  ${tag}: ${med((t) => t.rps).toFixed(0)} req/s, failed ${list.reduce((n, t) => n + t.failed, 0)}, ` +
        `cores idle ${(100 * med((t) => t.idle)).toFixed(0)}%, CPU ms/request ${med((t) => t.total).toFixed(3)} ` +
        `(${COLUMNS.map((c, j) => `${c} ${med((t) => t.perProcess[j] ?? 0).toFixed(3)}`).join(", ")})`,
    );
  }
  const ratio = (f: (t: Turn) => number) =>
    turns.A.map((t, i) => f(turns.B[i] as Turn) / f(t)).filter(Number.isFinite);
  const quartiles = (v: number[]) => [0.25, 0.5, 0.75].map((q) => quantile(v, q).toFixed(3)).join(", ");
  console.log(`B/A CPU per request, quartiles of the pairs: ${quartiles(ratio((t) => t.total))}`);
  COLUMNS.forEach((c, j) => {
    console.log(`  ${c.padEnd(8)} ${quartiles(ratio((t) => t.perProcess[j] ?? 0))}`);
  });
  console.log(`B/A req/s, quartiles of the pairs: ${quartiles(ratio((t) => t.rps))}`);
} finally {
  await Promise.all([...a.procs, ...b.procs].map((p) => p.kill("SIGTERM")));
}
