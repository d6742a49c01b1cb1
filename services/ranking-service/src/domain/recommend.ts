import type { RecommendRequest, RecommendResponse } from "@wren/contracts";
import { canonicalModelName, isWrenError } from "@wren/contracts";
import type { RecommendPorts } from "./ports.js";

export interface RecommendOptions {
  /** Candidates to rank when the request does not say (recall's default is 800). */
  candidates: number;
  /** Most of the budget recall may use, so ranking keeps time. */
  recallBudgetMs: number;
}

/**
 * "Guess you like": recall → rank → top `size`. Runs in the ranking service (one NATS call from the
 * gateway, candidates crossing the bus once) and in one process for tests and benchmarks — the ports
 * decide. Recall failing leaves nothing to rank: the answer is empty and degraded, not an error, so the
 * gateway can still render the page and say why.
 */
export async function recommend(
  req: RecommendRequest,
  ports: RecommendPorts,
  deadline: number,
  options: RecommendOptions,
): Promise<RecommendResponse> {
  let recalled: Awaited<ReturnType<RecommendPorts["recall"]>>;
  try {
    recalled = await ports.recall(
      { userId: req.userId, size: req.candidates ?? options.candidates },
      Math.min(options.recallBudgetMs, Math.max(1, deadline - Date.now())),
    );
  } catch (e) {
    if (isWrenError(e) && e.code === 400) throw e;
    const why = isWrenError(e) && e.code === 504 ? "recall-deadline" : "recall-unavailable";
    return {
      userId: req.userId,
      model: canonicalModelName(req.model),
      modelVersion: null,
      movieIds: [],
      scores: [],
      channelMasks: [],
      coldStart: false,
      featureVersion: "",
      degraded: true,
      degradedReasons: [why],
    };
  }
  const ranked = await ports.rank(
    {
      userId: req.userId,
      movieIds: recalled.movieIds,
      channelMasks: recalled.channelMasks,
      model: req.model,
      limit: req.size,
    },
    deadline,
  );
  return {
    userId: req.userId,
    model: ranked.model,
    modelVersion: ranked.modelVersion,
    movieIds: ranked.movieIds.slice(0, req.size),
    scores: ranked.scores.slice(0, req.size),
    channelMasks: ranked.channelMasks.slice(0, req.size),
    coldStart: recalled.coldStart,
    featureVersion: recalled.featureVersion,
    degraded: ranked.degraded,
    degradedReasons: ranked.degradedReason ? [ranked.degradedReason] : [],
  };
}
