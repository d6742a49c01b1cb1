import { trace } from "@opentelemetry/api";
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

/** Span attributes of an A/B decision (no user data: the variant is not personal). */
export const ATTR_EXPERIMENT = "wren.experiment.name";
export const ATTR_VARIANT = "wren.experiment.variant";
export const ATTR_MODEL = "wren.model.name";

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
  experiment: { name: string; variant: string } | null;
}

/** "Guess you like" for one request: A/B choice, exposure, backend call, degraded accounting. */
export async function recommend(
  app: FastifyInstance,
  deps: RouteDeps,
  userId: number,
  requestedModel: string | undefined,
  size: number,
): Promise<RecommendOutcome> {
  const choice = chooseModel(deps.experiments, userId, requestedModel, deps.defaultModel);
  const span = trace.getActiveSpan();
  span?.setAttribute(ATTR_MODEL, choice.model);
  if (choice.exposure) {
    span?.setAttribute(ATTR_EXPERIMENT, choice.exposure.experiment);
    span?.setAttribute(ATTR_VARIANT, choice.exposure.variant);
    deps.exposures.publish({ ...choice.exposure, model: choice.model, userId, at: Date.now() });
    app.metrics.exposures.inc({ experiment: choice.exposure.experiment, variant: choice.exposure.variant });
  }
  const result = await deps.backend.getRecommendations({
    userId,
    model: choice.model,
    size,
    deadlineMs: deps.recommendationDeadlineMs,
  });
  for (const reason of result.degradedReasons) app.metrics.degraded.inc({ model: choice.model, reason });
  if (result.degraded && result.degradedReasons.length === 0) {
    app.metrics.degraded.inc({ model: choice.model, reason: "unspecified" });
  }
  return {
    result,
    experiment: choice.exposure
      ? { name: choice.exposure.experiment, variant: choice.exposure.variant }
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
