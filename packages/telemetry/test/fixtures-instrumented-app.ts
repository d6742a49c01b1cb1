// Child-process app for instrumentation.test.ts: uses ioredis, undici and http under one root span, then
// prints what the root span and the server saw as JSON.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { trace } from "@opentelemetry/api";
import { Redis } from "ioredis";
import { request } from "undici";
import { shutdownTelemetry } from "../src/index.js";

const server = createServer((req, res) => res.end(req.headers.traceparent ?? ""));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const { port } = server.address() as AddressInfo;
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

await trace.getTracer("fixture").startActiveSpan("fixture-root", async (span) => {
  await redis.get(`${process.env.KEY_PREFIX}:nothing`);
  const res = await request(`http://127.0.0.1:${port}/hello`);
  const traceparent = await res.body.text();
  const recording = span.isRecording(); // an ended span never is
  span.end();
  console.log(JSON.stringify({ recording, traceId: span.spanContext().traceId, traceparent }));
});
redis.disconnect();
server.close();
await shutdownTelemetry();
