import {
  canonicalModelName,
  isWrenError,
  type RankRequest,
  type RankResponse,
  WrenError,
} from "@wren/contracts";
import {
  MOVIE_DISPLAY_FIELDS,
  MOVIE_FEATURE_FIELDS,
  USER_DISPLAY_FIELDS,
  USER_FEATURE_FIELDS,
} from "@wren/feature-store";
import type { InputColumns, ModelInfo, RankPorts } from "./ports.js";

const USER_FIELDS = new Set<string>([...USER_FEATURE_FIELDS, ...USER_DISPLAY_FIELDS]);
const MOVIE_FIELDS = new Set<string>([...MOVIE_FEATURE_FIELDS, ...MOVIE_DISPLAY_FIELDS]);

/** Which stored features a model's inputs need; `userId` / `movieId` come from the request itself. */
export interface FeaturePlan {
  userFields: string[];
  movieFields: string[];
}

export function planFeatures(inputs: readonly string[]): FeaturePlan {
  const plan: FeaturePlan = { userFields: [], movieFields: [] };
  for (const name of inputs) {
    if (name === "userId" || name === "movieId") continue;
    if (USER_FIELDS.has(name)) plan.userFields.push(name);
    else if (MOVIE_FIELDS.has(name)) plan.movieFields.push(name);
    else throw WrenError.badRequest(`model: input ${JSON.stringify(name)} is not a feature Wren stores`);
  }
  return plan;
}

/** One column per model input, a row per candidate (user features repeated). */
export function buildInputs(
  inputs: readonly string[],
  userId: number,
  movieIds: readonly number[],
  user: Record<string, number | string>,
  movieColumns: Record<string, number[] | string[]>,
): InputColumns {
  const out: InputColumns = {};
  const n = movieIds.length;
  for (const name of inputs) {
    if (name === "movieId") out[name] = [...movieIds];
    else if (name === "userId") out[name] = new Array<number>(n).fill(userId);
    else if (name in movieColumns) out[name] = movieColumns[name];
    else out[name] = new Array(n).fill(user[name]) as number[] | string[];
  }
  return out;
}

/** Candidates by descending score, ties in recall order; only the best `limit` when given. */
export function sortByScore(
  movieIds: readonly number[],
  channelMasks: readonly number[],
  scores: ArrayLike<number>,
  limit = movieIds.length,
): Pick<RankResponse, "movieIds" | "channelMasks" | "scores"> {
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  const order = bestIndices(movieIds.length, Math.min(limit, movieIds.length), better);
  return {
    movieIds: order.map((i) => movieIds[i]),
    channelMasks: order.map((i) => channelMasks[i] ?? 0),
    scores: order.map((i) => scores[i]),
  };
}

/**
 * Indices 0..n-1 ordered by `better`, the first k only: a k-sized heap whose root is the worst kept, so a
 * top 20 of 800 costs n·log k comparisons instead of a full sort.
 */
function bestIndices(n: number, k: number, better: (a: number, b: number) => boolean): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i).sort((a, b) => (better(a, b) ? -1 : 1));
  const heap: number[] = [];
  const siftDown = (at: number) => {
    for (let i = at; ; ) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const worse = l + 1 < heap.length && better(heap[l], heap[l + 1]) ? l + 1 : l;
      if (!better(heap[i], heap[worse])) return;
      [heap[i], heap[worse]] = [heap[worse], heap[i]];
      i = worse;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0; ) {
        const p = (c - 1) >> 1;
        if (!better(heap[p], heap[c])) break;
        [heap[p], heap[c]] = [heap[c], heap[p]];
        c = p;
      }
    } else if (k > 0 && better(i, heap[0])) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

/** Reason string of a failed stage, e.g. `model-server-unavailable` or `features-deadline`. */
function reason(stage: string, e: unknown): string {
  if (isWrenError(e) && e.type === "deadline_exceeded") return `${stage}-deadline`;
  if (isWrenError(e) && e.code === 504) return `${stage}-deadline`;
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError"))
    return `${stage}-deadline`;
  return `${stage}-unavailable`;
}

/**
 * Scores all candidates with ONE batched predict and sorts them. Only the features the model's signature
 * names are fetched (NeuralCF takes ids only, so it skips the feature hop). When the model server or the
 * features fail or run out of time, the answer is the recall order with `degraded: true` and the reason,
 * within the deadline. An unknown model is the caller's error (400), not a degradation.
 */
export async function rankCandidates(
  req: RankRequest,
  ports: RankPorts,
  deadline: number,
  reserveMs = 5,
): Promise<RankResponse> {
  const modelName = canonicalModelName(req.model);
  const budget = () => Math.max(1, deadline - Date.now() - reserveMs);
  const limit = req.limit ?? req.movieIds.length;
  const degraded = (why: string, version: number | null = null): RankResponse => ({
    model: modelName,
    modelVersion: version,
    movieIds: req.movieIds.slice(0, limit),
    channelMasks: req.channelMasks.slice(0, limit),
    scores: [],
    degraded: true,
    degradedReason: why,
  });
  if (req.movieIds.length === 0) {
    return {
      model: modelName,
      modelVersion: null,
      movieIds: [],
      channelMasks: [],
      scores: [],
      degraded: false,
    };
  }

  let model: ModelInfo;
  try {
    model = await ports.model(modelName, budget());
  } catch (e) {
    if (isWrenError(e) && e.code === 400) throw e;
    return degraded(reason("model-server", e));
  }
  const plan = planFeatures(model.inputs);
  let user: Record<string, number | string> = {};
  let movieColumns: Record<string, number[] | string[]> = {};
  if (plan.userFields.length > 0 || plan.movieFields.length > 0) {
    try {
      const f = await ports.features(
        {
          userId: req.userId,
          movieIds: req.movieIds,
          userFields: plan.userFields,
          movieFields: plan.movieFields,
        },
        budget(),
      );
      user = f.user;
      movieColumns = f.movieColumns;
    } catch (e) {
      return degraded(reason("features", e), model.version);
    }
  }
  const inputs = buildInputs(model.inputs, req.userId, req.movieIds, user, movieColumns);
  let scores: ArrayLike<number>;
  let version: number;
  try {
    ({ scores, version } = await ports.predict(model, inputs, budget()));
  } catch (e) {
    return degraded(reason("model-server", e), model.version);
  }
  if (scores.length !== req.movieIds.length) {
    return degraded("model-server-bad-response", version);
  }
  if (Date.now() > deadline - reserveMs / 2) return degraded("model-server-deadline", version);
  return {
    model: modelName,
    modelVersion: version,
    ...sortByScore(req.movieIds, req.channelMasks, scores, limit),
    degraded: false,
  };
}
