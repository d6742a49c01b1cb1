import { type Bus, type Route, route } from "@wren/bus";
import { ENDPOINTS } from "@wren/contracts";
import type { RankPorts, RecommendPorts } from "../domain/ports.js";
import { rankCandidates } from "../domain/rank.js";
import { type RecommendOptions, recommend } from "../domain/recommend.js";

/** Features over the bus; one retry on another replica when the first one is gone. */
export function busFeatures(bus: Bus): RankPorts["features"] {
  return (request, budgetMs) =>
    bus.request(ENDPOINTS.featuresBatch, request, {
      timeoutMs: budgetMs,
      attemptTimeoutMs: Math.max(1, budgetMs / 2),
      retries: 1,
    });
}

/** Recall over the bus. */
export function busRecall(bus: Bus): RecommendPorts["recall"] {
  return (request, budgetMs) =>
    bus.request(ENDPOINTS.recallCandidates, request, {
      timeoutMs: budgetMs,
      attemptTimeoutMs: Math.max(1, budgetMs / 2),
      retries: 1,
    });
}

/** `wren.ranking.v1.rank` and `wren.recommend.v1.for-user`; ranking runs in this process for both. */
export function rankingRoutes(
  bus: Bus,
  model: Pick<RankPorts, "model" | "predict">,
  options: RecommendOptions,
): Route[] {
  const rankPorts: RankPorts = {
    model: model.model.bind(model),
    predict: model.predict.bind(model),
    features: busFeatures(bus),
  };
  const recommendPorts: RecommendPorts = {
    recall: busRecall(bus),
    rank: (request, deadline) => rankCandidates(request, rankPorts, deadline),
  };
  return [
    route(ENDPOINTS.rankingRank, (req, ctx) => rankCandidates(req, rankPorts, ctx.deadline)),
    route(ENDPOINTS.recommend, (req, ctx) => recommend(req, recommendPorts, ctx.deadline, options)),
  ];
}
