import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ProcessSpec {
  /** Shown before each log line, e.g. "ranking-service#2". */
  label: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  stopping: boolean;
}

const COLOURS = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95, 96];

/**
 * Runs child processes with their output prefixed by their label, and stops them in reverse start order.
 * Each child gets its own process group (`detached`), so a stop reaches anything it spawned, and a
 * terminal's Ctrl-C reaches only the launcher, which then stops children in order (gateway first,
 * infrastructure last). If the launcher itself dies, its `exit` hook still kills every group; only a signal
 * it does not handle (SIGKILL) ends it without that hook, hence stopOnSignals.
 */
export class Supervisor {
  private readonly running: Running[] = [];
  private readonly colour = process.stdout.isTTY;
  private readonly labelWidth = 20;
  /** Called when a child exits without being asked to. */
  onUnexpectedExit: (label: string, code: number | null) => void = () => {};

  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {
    process.once("exit", () => {
      for (const r of this.running) if (r.child.exitCode === null) killGroup(r.child, "SIGKILL");
    });
  }

  start(spec: ProcessSpec): Running {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const n = this.running.length;
    const prefix = this.prefix(spec.label, n);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => this.write(`${prefix}${line}\n`));
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once("error", (err) => {
        this.write(`${prefix}failed to start: ${err.message}\n`);
        resolve(-1);
      });
      child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
    });
    const r: Running = { spec, child, exited, stopping: false };
    exited.then((code) => {
      if (!r.stopping) this.onUnexpectedExit(spec.label, code);
    });
    this.running.push(r);
    return r;
  }

  /** Whether the process with this label is still running. */
  alive(label: string): boolean {
    const r = this.running.find((x) => x.spec.label === label);
    return r !== undefined && r.child.exitCode === null && r.child.signalCode === null;
  }

  /** SIGTERM to each child (last started first), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    for (const r of [...this.running].reverse()) {
      r.stopping = true;
      if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
      killGroup(r.child, "SIGTERM");
      const timer = setTimeout(() => killGroup(r.child, "SIGKILL"), graceMs);
      await r.exited;
      clearTimeout(timer);
    }
  }

  private prefix(label: string, n: number): string {
    const text = `${label.padEnd(this.labelWidth)}| `;
    return this.colour ? `\x1b[${COLOURS[n % COLOURS.length]}m${text}\x1b[0m` : text;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Calls `stop` on Ctrl-C (SIGINT), `kill` (SIGTERM) and the terminal closing (SIGHUP). SIGHUP's default
 * action would end the launcher without its `exit` hook, leaving every detached child running, ports and all.
 */
export function stopOnSignals(stop: () => void): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);
}

/** Runs one command to completion with prefixed output; rejects on a non-zero exit. */
export async function runToCompletion(supervisor: Supervisor, spec: ProcessSpec): Promise<void> {
  const r = supervisor.start(spec);
  r.stopping = true; // its exit is expected
  const code = await r.exited;
  if (code !== 0) throw new Error(`${spec.label} failed (exit code ${code})`);
}
