import { isSpanContextValid, trace } from "@opentelemetry/api";
import { ATTR } from "@wren/telemetry";
import type { FastifyInstance } from "fastify";
import { chooseModel, type ExperimentsConfig, normaliseModelName } from "../domain/experiments.js";
import type { ExposureSink, ModelCatalog } from "../domain/ports.js";
import type { RecommendationBackend, RecommendationResult } from "../domain/types.js";
import { BadParameter } from "../plugins/errors.js";

/** What every route plugin receives from `app.ts`. */
export interface RouteDeps {
  backend: RecommendationBackend;
  models: ModelCatalog;
  exposures: ExposureSink;
  experiments: ExperimentsConfig;
  defaultModel: string;
  recommendationDeadlineMs: number;
}

/** Throws BadParameter unless `name` is a trained model (or the default, which may not be trained yet). */
export async function knownModel(deps: RouteDeps, raw: string, parameter: string): Promise<string> {
  const name = normaliseModelName(raw);
  if (name === deps.defaultModel) return name;
  const models = await deps.models.list();
  if (models.some((m) => m.name === name)) return name;
  const names = [...new Set([deps.defaultModel, ...models.map((m) => m.name)])].join(", ");
  throw new BadParameter(parameter, `${parameter} "${raw}" is not a trained model; known: ${names}`);
}

export interface RecommendOutcome {
  result: RecommendationResult;
  /** The experiment and variant that chose the model; null when none did (no experiment, or overridden). */
  experiment: { name: string; variant: string } | null;
}

/** "Guess you like" for one request: A/B choice, backend call, exposure, degraded accounting. */
export async function recommend(
  app: FastifyInstance,
  deps: RouteDeps,
  userId: number,
  requestedModel: string | undefined,
  size: number,
): Promise<RecommendOutcome> {
  const choice = chooseModel(deps.experiments, userId, requestedModel, deps.defaultModel);
  const span = trace.getActiveSpan();
  span?.setAttribute(ATTR.model, choice.model);
  if (choice.assignment) {
    span?.setAttribute(ATTR.experiment, choice.assignment.experiment);
    span?.setAttribute(ATTR.variant, choice.assignment.variant);
  }
  const result = await deps.backend.getRecommendations({
    userId,
    model: choice.model,
    size,
    deadlineMs: deps.recommendationDeadlineMs,
  });
  if (choice.assignment) {
    const { experiment, variant } = choice.assignment;
    deps.exposures.publish({
      experiment,
      variant,
      userId,
      model: result.model ?? choice.model,
      modelVersion: result.version,
      movieIds: result.items.map((r) => r.movie.movieId),
      overridden: choice.overridden,
      ...(span && isSpanContextValid(span.spanContext()) ? { traceId: span.spanContext().traceId } : {}),
      timestamp: Date.now(),
    });
    app.metrics.exposures.inc({ experiment, variant, overridden: String(choice.overridden) });
  }
  span?.setAttribute(ATTR.degraded, result.degraded);
  for (const reason of result.degradedReasons) app.metrics.degraded.inc({ model: choice.model, reason });
  if (result.degraded && result.degradedReasons.length === 0) {
    app.metrics.degraded.inc({ model: choice.model, reason: "unspecified" });
  }
  const applied = choice.assignment && !choice.overridden;
  return {
    result,
    experiment:
      applied && choice.assignment
        ? { name: choice.assignment.experiment, variant: choice.assignment.variant }
        : null,
  };
}

/** Canonical spelling of a genre, case-insensitively; BadParameter when the catalogue has no such genre. */
export async function knownGenre(deps: RouteDeps, raw: string, parameter: string): Promise<string> {
  const genres = await deps.backend.genres();
  const found = genres.find((g) => g.toLowerCase() === raw.toLowerCase());
  if (found === undefined) {
    throw new BadParameter(
      parameter,
      `${parameter} "${raw}" is not a genre of the catalogue; known: ${genres.join(", ")}`,
    );
  }
  return found;
}
