import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NATS_SERVER_BIN = "/usr/sbin/nats-server";
export const REDIS_SERVER_BIN = "redis-server";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `wren-deploy-${prefix}-`));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns a server process and waits until it accepts TCP connections on `port`. */
export async function startProcess(
  cmd: string,
  args: string[],
  opts: { port: number; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; cleanup?: string },
): Promise<Proc> {
  const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: "pipe" });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    if (opts.cleanup) rmSync(opts.cleanup, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (!(await listening(opts.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${cmd} ${args.join(" ")} did not start (exit ${child.exitCode}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, stop };
}
