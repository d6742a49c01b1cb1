// Child-process app for instrumentation.test.ts: uses ioredis, undici and http under one root span.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { trace } from "@opentelemetry/api";
import { Redis } from "ioredis";
import { request } from "undici";
import { shutdownTelemetry } from "../src/index.js";

const server = createServer((_req, res) => res.end("ok"));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const { port } = server.address() as AddressInfo;
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

await trace.getTracer("fixture").startActiveSpan("fixture-root", async (span) => {
  await redis.get(`${process.env.KEY_PREFIX}:nothing`);
  const res = await request(`http://127.0.0.1:${port}/hello`);
  await res.body.text();
  span.end();
});
redis.disconnect();
server.close();
await shutdownTelemetry();
