// Child-process app for instrumentation.test.ts: uses ioredis, undici and http under one root span, then
// prints what the root span, the server and a bus-style carrier saw, and whether the span was active, as JSON.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, trace } from "@opentelemetry/api";
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
  // Only a registered context manager makes the span active in here.
  const active = trace.getActiveSpan() === span;
  // What @wren/bus puts into NATS headers: the span's context, passed explicitly.
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  span.end();
  console.log(
    JSON.stringify({
      recording,
      active,
      traceId: span.spanContext().traceId,
      traceparent,
      injected: carrier.traceparent ?? "",
    }),
  );
});
redis.disconnect();
server.close();
await shutdownTelemetry();
