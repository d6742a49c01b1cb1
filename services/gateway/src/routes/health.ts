import type { FastifyPluginAsync } from "fastify";
import type { ReadinessReport } from "../domain/ports.js";

export interface HealthDeps {
  readiness: () => Promise<ReadinessReport>;
}

/** Liveness says the process serves HTTP; readiness says its dependencies answer. */
export const healthRoutes: FastifyPluginAsync<HealthDeps> = async (app, deps) => {
  const hidden = { schema: { hide: true }, config: { rateLimit: false } };
  app.get("/healthz", hidden, async () => ({ status: "ok" }));
  app.get("/readyz", hidden, async (_req, reply) => {
    const report = await deps.readiness();
    reply.code(report.ready ? 200 : 503);
    return { status: report.ready ? "ready" : "not ready", checks: report.checks };
  });
};
