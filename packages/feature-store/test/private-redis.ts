import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "@wren/testing";
import { Redis } from "ioredis";

/** A private redis-server on a free port: its INFO commandstats count only this test file's commands. */
export interface PrivateRedis {
  url: string;
  client(): Redis;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on("error", () => {}); // refused connections while the server starts are expected
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  clients.push(probe);
  return {
    url,
    client() {
      const c = new Redis(url);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
    },
  };
}
