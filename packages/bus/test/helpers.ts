import { randomUUID } from "node:crypto";
import { Bus } from "../src/index.js";

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** A bus on the shared NATS with a subject prefix no other test run uses. */
export async function testBus(prefix = `test-${randomUUID()}`, codec: "json" | "columnar" = "columnar") {
  return Bus.connect({ servers: NATS_URL, name: "bus-test", subjectPrefix: prefix, codec });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
