import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { trace } from "@opentelemetry/api";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import fp from "fastify-plugin";
import type { Registry } from "prom-client";
import type { ExperimentsConfig } from "./domain/experiments.js";
import type { ExposureSink, ModelCatalog, ReadinessReport } from "./domain/ports.js";
import type { RecommendationBackend } from "./domain/types.js";
import { errorsPlugin } from "./plugins/errors.js";
import { metricsPlugin } from "./plugins/metrics.js";
import { apiRoutes } from "./routes/api.js";
import { healthRoutes } from "./routes/health.js";
import { modelReportRoutes } from "./routes/model-reports.js";
import { pageRoutes } from "./routes/pages.js";
import { type RatingSink, ratingRoutes } from "./routes/ratings.js";
import { referenceRoutes } from "./routes/reference.js";

export interface GatewayOptions {
  backend: RecommendationBackend;
  models: ModelCatalog;
  exposures: ExposureSink;
  readiness: () => Promise<ReadinessReport>;
  experiments: ExperimentsConfig;
  defaultModel: string;
  recommendationDeadlineMs: number;
  rateLimitPerMinute: number;
  /** Root of the exported models, whose evaluation reports the model pages show (none when unset). */
  modelsDir?: string;
  /** Where `POST /api/users/:userId/ratings` stores ratings (JetStream); without it the route answers 503. */
  ratings?: RatingSink;
  /** Prometheus registry to add the gateway's metrics to (default: a new one, served at /metrics). */
  registry?: Registry;
}

/** The gateway as a fastify plugin: what `main.ts` serves and what tests `inject()` into. */
export const gatewayApp = fp(
  async (app: FastifyInstance, opts: GatewayOptions) => {
    // The http instrumentation's server span (the root of a "guess you like" trace) knows only the
    // method: name it after the matched route so Jaeger lists one operation per route.
    app.addHook("onRequest", async (req) => {
      const route = req.routeOptions.url;
      const span = trace.getActiveSpan();
      if (route && span) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute("http.route", route);
      }
    });
    await app.register(errorsPlugin);
    await app.register(metricsPlugin, { registry: opts.registry });
    // The reference's API is open to any origin; every route here is a GET of public data.
    app.addHook("onSend", async (_req, reply) => {
      reply.header("access-control-allow-origin", "*");
    });
    await app.register(rateLimit, { max: opts.rateLimitPerMinute, timeWindow: 60_000 });
    await app.register(swagger, {
      openapi: {
        info: {
          title: "Wren gateway",
          version: "1",
          description: '"Guess you like" recommendations over HTTP',
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
    await app.register(healthRoutes, { readiness: opts.readiness });
    const deps = {
      backend: opts.backend,
      models: opts.models,
      exposures: opts.exposures,
      experiments: opts.experiments,
      defaultModel: opts.defaultModel,
      recommendationDeadlineMs: opts.recommendationDeadlineMs,
    };
    await app.register(apiRoutes, { ...deps, prefix: "/api" });
    await app.register(referenceRoutes, deps);
    await app.register(pageRoutes);
    await app.register(ratingRoutes, { ...deps, ratings: opts.ratings, prefix: "/api" });
    await app.register(modelReportRoutes, { models: opts.models, modelsDir: opts.modelsDir });
  },
  { name: "wren-gateway" },
);

/** A fastify instance with the gateway registered and ready (not listening). */
export async function build(
  opts: GatewayOptions,
  server: FastifyServerOptions = { logger: false },
): Promise<FastifyInstance> {
  const app = Fastify(server).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(gatewayApp, opts);
  await app.ready();
  return app;
}
