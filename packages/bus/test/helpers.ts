import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { channelMask, type RecallResponse } from "@wren/contracts";
import { Bus } from "../src/index.js";

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** A bus on the shared NATS with a subject prefix no other test run uses. */
export async function testBus(prefix = `test-${randomUUID()}`, codec: "json" | "columnar" = "columnar") {
  return Bus.connect({ servers: NATS_URL, name: "bus-test", subjectPrefix: prefix, codec });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid recall reply with `size` popular candidates 1..size. */
export function stubCandidates(userId: number, size = 1): RecallResponse {
  const movieIds = Array.from({ length: size }, (_, i) => i + 1);
  return {
    userId,
    movieIds,
    channelMasks: movieIds.map(() => channelMask(["popular"])),
    coldStart: false,
    featureVersion: "v1",
  };
}

/** A private nats-server on `port` (extra flags such as `--user`), resolved once it listens. */
export async function startNats(port: number, flags: string[] = []): Promise<ChildProcess> {
  const proc = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port), ...flags], {
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(true)); // port taken: the server is listening
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
    });
    if (up) break;
    await sleep(50);
  }
  return proc;
}
