import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@wren/testing";
// The launcher's probe: one implementation of "is something listening" in the repo.
import { isListening } from "../../../../packages/cli/src/launcher/net.js";
import { TestProcess, waitUntil } from "./processes.js";

/**
 * A private redis-server on a free port that a test may stop and start again on the same port. It saves
 * a snapshot when stopped (SIGTERM) and loads it when started, as a restarted production Redis would.
 */
export class PrivateRedis {
  private proc: TestProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), "wren-redis-"));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.resume();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, loading the snapshot it saved when stopped. */
  async resume(): Promise<void> {
    this.proc = new TestProcess(
      "redis-server",
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--dir",
        this.dir,
        "--save",
        "3600 1",
        "--appendonly",
        "no",
      ],
      process.env,
    ).start();
    await waitUntil(`redis-server on ${this.port}`, () => isListening("127.0.0.1", this.port, 300), 10_000);
  }

  async stop(): Promise<void> {
    await this.proc?.kill("SIGTERM");
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
