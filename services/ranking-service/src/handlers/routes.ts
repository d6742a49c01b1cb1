import { type Bus, type HandlerContext, type Route, route } from "@wren/bus";
import { ENDPOINTS, type Endpoint, type RequestOf, type ResponseOf } from "@wren/contracts";
import type { RankPorts, RecommendPorts } from "../domain/ports.js";
import { rankCandidates } from "../domain/rank.js";
import { type RecommendOptions, recommend } from "../domain/recommend.js";

/**
 * A stage over the bus on behalf of the request `within` is handling (its trace and deadline): half the
 * budget per attempt and one retry, so a replica that died mid-request costs a retry on another replica
 * instead of the answer.
 */
function viaBus<E extends Endpoint>(bus: Bus, endpoint: E, within?: HandlerContext) {
  return (request: RequestOf<E>, budgetMs: number): Promise<ResponseOf<E>> =>
    bus.request(endpoint, request, {
      timeoutMs: budgetMs,
      attemptTimeoutMs: Math.max(1, budgetMs / 2),
      retries: 1,
      within,
    });
}

export const busFeatures = (bus: Bus, within?: HandlerContext): RankPorts["features"] =>
  viaBus(bus, ENDPOINTS.featuresBatch, within);
export const busRecall = (bus: Bus, within?: HandlerContext): RecommendPorts["recall"] =>
  viaBus(bus, ENDPOINTS.recallCandidates, within);

/** `wren.ranking.v1.rank` and `wren.recommend.v1.for-user`; ranking runs in this process for both. */
export function rankingRoutes(
  bus: Bus,
  model: Pick<RankPorts, "model" | "predict">,
  options: RecommendOptions,
): Route[] {
  const modelPorts = { model: model.model.bind(model), predict: model.predict.bind(model) };
  // Per request: the bus stages carry the handler's context.
  const rankPorts = (ctx: HandlerContext): RankPorts => ({ ...modelPorts, features: busFeatures(bus, ctx) });
  const recommendPorts = (ctx: HandlerContext): RecommendPorts => {
    const ports = rankPorts(ctx);
    return {
      recall: busRecall(bus, ctx),
      rank: (request, deadline) => rankCandidates(request, ports, deadline),
    };
  };
  return [
    route(ENDPOINTS.rankingRank, (req, ctx) => rankCandidates(req, rankPorts(ctx), ctx.deadline)),
    route(ENDPOINTS.recommend, (req, ctx) => recommend(req, recommendPorts(ctx), ctx.deadline, options)),
  ];
}
