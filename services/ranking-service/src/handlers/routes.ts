import { type Bus, type Route, route } from "@wren/bus";
import { ENDPOINTS, type Endpoint, type RequestOf, type ResponseOf } from "@wren/contracts";
import type { RankPorts, RecommendPorts } from "../domain/ports.js";
import { rankCandidates } from "../domain/rank.js";
import { type RecommendOptions, recommend } from "../domain/recommend.js";

/**
 * A stage over the bus: half the budget per attempt and one retry, so a replica that died mid-request
 * costs a retry on another replica instead of the answer.
 */
function viaBus<E extends Endpoint>(bus: Bus, endpoint: E) {
  return (request: RequestOf<E>, budgetMs: number): Promise<ResponseOf<E>> =>
    bus.request(endpoint, request, {
      timeoutMs: budgetMs,
      attemptTimeoutMs: Math.max(1, budgetMs / 2),
      retries: 1,
    });
}

export const busFeatures = (bus: Bus): RankPorts["features"] => viaBus(bus, ENDPOINTS.featuresBatch);
export const busRecall = (bus: Bus): RecommendPorts["recall"] => viaBus(bus, ENDPOINTS.recallCandidates);

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
