import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Counter, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  degraded: Counter<"model" | "reason">;
  exposures: Counter<"experiment" | "variant" | "overridden">;
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: GatewayMetrics;
  }
}

export interface MetricsOptions {
  /** The process registry (with the bus's and Node's metrics) in production; a fresh one per app in tests. */
  registry?: Registry;
}

export const metricsPlugin = fp(async (app: FastifyInstance, opts: MetricsOptions) => {
  const registry = opts.registry ?? new Registry();
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const degraded = new Counter({
    name: "wren_gateway_degraded_total",
    help: "Recommendation answers served degraded, by model and reason",
    labelNames: ["model", "reason"] as const,
    registers: [registry],
  });
  const exposures = new Counter({
    name: "wren_gateway_exposures_total",
    help: "A/B exposures by experiment and variant",
    labelNames: ["experiment", "variant", "overridden"] as const,
    registers: [registry],
  });
  app.decorate("metrics", { registry, degraded, exposures });

  app.addHook("onResponse", async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const route = request.routeOptions.url ?? "unmatched";
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get("/metrics", { schema: { hide: true }, config: { rateLimit: false } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
