import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * One child process of a test stack, with its output kept (printed when a test fails to start it) and
 * its own process group, so `kill` reaches everything it spawned.
 */
export class TestProcess {
  private child: ChildProcess | null = null;
  readonly output: string[] = [];
  private exitedP: Promise<void> = Promise.resolve();

  constructor(
    readonly label: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): this {
    const child = spawn(this.command, this.args, {
      cwd: ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exitedP = new Promise((resolve) => child.once("exit", () => resolve()));
    this.child = child;
    return this;
  }

  /** The child's pid while it runs (benchmarks read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether its output so far contains `text`. */
  said(text: string): boolean {
    return this.output.join("").includes(text);
  }

  /** Sends `signal` to its process group and waits for it to exit (SIGKILL after `graceMs`). */
  async kill(signal: NodeJS.Signals = "SIGTERM", graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.running) return;
    const group = -child.pid;
    try {
      process.kill(group, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(group, "SIGKILL");
      } catch {
        // gone
      }
    }, graceMs);
    await this.exitedP;
    clearTimeout(timer);
  }

  describe(): string {
    return `${this.label} (${this.running ? "running" : `exited ${this.child?.exitCode ?? this.child?.signalCode}`}):\n${this.output.join("").slice(-3000)}`;
  }
}

/**
 * A TypeScript entry point; with `telemetry`, run exactly as `wren start` runs a service (the OpenTelemetry
 * SDK loaded first; spans exported only when OTEL_EXPORTER_OTLP_ENDPOINT is set).
 */
export function tsProcess(
  label: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { telemetry?: boolean } = {},
): TestProcess {
  const preload = opts.telemetry ? ["--import", join(ROOT, "packages/telemetry/src/register.ts")] : [];
  return new TestProcess(label, process.execPath, ["--import", "tsx", ...preload, script, ...args], {
    ...process.env,
    ...env,
  });
}
