import { randomUUID } from "node:crypto";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ENDPOINTS } from "@wren/contracts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Bus, route, serve } from "../src/index.js";
import { stubCandidates, testBus } from "./helpers.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let client: Bus;
let server: Bus;

beforeAll(async () => {
  provider.register();
  const prefix = `test-${randomUUID()}`;
  [client, server] = await Promise.all([testBus(prefix), testBus(prefix)]);
});
afterAll(async () => {
  await Promise.all([client.drain(), server.drain()]);
  await provider.shutdown();
});

it("one trace: caller span → send (CLIENT) → process (SERVER) → nested send, with messaging attributes", async () => {
  const handle = await serve(server, { name: "ranking-service", version: "0.0.1" }, [
    route(ENDPOINTS.recallCandidates, async (r) => stubCandidates(r.userId)),
    route(ENDPOINTS.catalogGenres, async (_req, ctx) => {
      await client.request(ENDPOINTS.recallCandidates, { userId: 1 }, { within: ctx });
      return { genres: [] };
    }),
  ]);
  await trace.getTracer("test").startActiveSpan("root", async (root) => {
    await client.request(ENDPOINTS.catalogGenres, {});
    root.end();
  });
  await handle.stop();

  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.name === "root");
  const byName = (n: string) => spans.filter((s) => s.name === n);
  const [sendGenres] = byName("send wren.catalog.v1.genres");
  const [processGenres] = byName("process wren.catalog.v1.genres");
  const [sendRecall] = byName("send wren.recall.v1.candidates");
  const [processRecall] = byName("process wren.recall.v1.candidates");
  for (const s of [sendGenres, processGenres, sendRecall, processRecall]) {
    expect(s.spanContext().traceId).toBe(root?.spanContext().traceId);
  }
  expect(sendGenres.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
  expect(processGenres.parentSpanContext?.spanId).toBe(sendGenres.spanContext().spanId);
  expect(sendRecall.parentSpanContext?.spanId).toBe(processGenres.spanContext().spanId);
  expect(processRecall.parentSpanContext?.spanId).toBe(sendRecall.spanContext().spanId);
  expect(sendGenres.kind).toBe(SpanKind.CLIENT);
  expect(processGenres.kind).toBe(SpanKind.SERVER);
  expect(processGenres.attributes).toMatchObject({
    "messaging.system": "nats",
    "messaging.destination.name": "wren.catalog.v1.genres",
    "messaging.consumer.group.name": "ranking-service",
  });
});

it("reads trace headers case-insensitively", async () => {
  const handle = await serve(server, { name: "recall-service", version: "0.0.1" }, [
    route(ENDPOINTS.catalogGenres, async () => ({ genres: [] })),
  ]);
  exporter.reset();
  const { headers } = await import("@nats-io/transport-node");
  const h = headers();
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  h.set("TRACEPARENT", `00-${traceId}-00f067aa0ba902b7-01`);
  await client.nc.request(client.subject(ENDPOINTS.catalogGenres.subject), "{}", {
    headers: h,
    timeout: 1000,
  });
  await handle.stop();
  const processed = exporter.getFinishedSpans().find((s) => s.name === "process wren.catalog.v1.genres");
  expect(processed?.spanContext().traceId).toBe(traceId);
  expect(processed?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
});

it("keeps the chain without a context manager (how services run when nothing is exported): within carries it", async () => {
  context.disable(); // the global AsyncLocalStorage manager provider.register() installed
  exporter.reset();
  let ambient: unknown = "not called";
  const handle = await serve(server, { name: "ranking-service", version: "0.0.1" }, [
    route(ENDPOINTS.recallCandidates, async (r) => stubCandidates(r.userId)),
    route(ENDPOINTS.catalogGenres, async (_req, ctx) => {
      ambient = trace.getActiveSpan();
      await client.request(ENDPOINTS.recallCandidates, { userId: 1 }, { within: ctx });
      return { genres: [] };
    }),
  ]);
  await client.request(ENDPOINTS.catalogGenres, {});
  await handle.stop();

  expect(ambient).toBeUndefined();
  const spans = exporter.getFinishedSpans();
  const one = (n: string) => {
    const found = spans.filter((s) => s.name === n);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const chain = [
    one("send wren.catalog.v1.genres"),
    one("process wren.catalog.v1.genres"),
    one("send wren.recall.v1.candidates"),
    one("process wren.recall.v1.candidates"),
  ];
  expect(chain[0].parentSpanContext).toBeUndefined();
  for (let i = 1; i < chain.length; i++) {
    expect(chain[i].spanContext().traceId).toBe(chain[0].spanContext().traceId);
    expect(chain[i].parentSpanContext?.spanId).toBe(chain[i - 1].spanContext().spanId);
  }
});
