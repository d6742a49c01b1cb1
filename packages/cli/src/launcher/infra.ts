import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { hostPortOf, isListening, isLocal } from "./net.js";
import type { Supervisor } from "./supervisor.js";

export const NATS_BINARIES = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
export const REDIS_BINARIES = [
  "/usr/bin/redis-server",
  "/usr/local/bin/redis-server",
  "/usr/sbin/redis-server",
];

export type InfraOutcome = "running" | "started";

/** The first existing candidate, else the binary of that name on PATH. */
function findBinary(candidates: string[]): string | null {
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  const name = candidates[0]?.split("/").pop() ?? "";
  const dir = (process.env.PATH ?? "").split(":").find((d) => d && existsSync(join(d, name)));
  return dir ? join(dir, name) : null;
}

async function waitListening(host: string, port: number, what: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await isListening(host, port, 200)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000}s`);
}

/** Uses the NATS at `url` when it answers; otherwise starts nats-server (JetStream) with data in `stateDir`. */
export async function ensureNats(
  supervisor: Supervisor,
  url: string,
  stateDir: string,
): Promise<InfraOutcome> {
  const { host, port } = hostPortOf(url, 4222);
  if (await isListening(host, port)) return "running";
  if (!isLocal(host)) throw new Error(`NATS_URL=${url}: nothing answers there, and it is not this machine`);
  const bin = findBinary(NATS_BINARIES);
  if (!bin)
    throw new Error(
      `nothing listens on ${host}:${port} and nats-server is not installed (apt-get install nats-server)`,
    );
  const dir = join(stateDir, "nats");
  mkdirSync(dir, { recursive: true });
  supervisor.start({
    label: "nats-server",
    command: bin,
    args: ["-a", host, "-p", String(port), "-js", "-sd", dir],
  });
  await waitListening(host, port, "nats-server", 10_000);
  return "started";
}

/**
 * Uses the Redis at `url` when it answers; otherwise starts redis-server in `stateDir`, snapshotting on
 * shutdown so the next start finds its features without re-running the pipeline.
 */
export async function ensureRedis(
  supervisor: Supervisor,
  url: string,
  stateDir: string,
): Promise<InfraOutcome> {
  const { host, port } = hostPortOf(url, 6379);
  if (await isListening(host, port)) return "running";
  if (!isLocal(host)) throw new Error(`REDIS_URL=${url}: nothing answers there, and it is not this machine`);
  const bin = findBinary(REDIS_BINARIES);
  if (!bin)
    throw new Error(
      `nothing listens on ${host}:${port} and redis-server is not installed (apt-get install redis-server)`,
    );
  const dir = join(stateDir, "redis");
  mkdirSync(dir, { recursive: true });
  supervisor.start({
    label: "redis-server",
    command: bin,
    args: ["--bind", host, "--port", String(port), "--save", "300 1", "--appendonly", "no", "--dir", dir],
  });
  await waitListening(host, port, "redis-server", 10_000);
  return "started";
}
