import type { HeldOut } from "./leave-one-out.js";

/** K = 1..K_MAX are reported; HR@10 and NDCG@10 are the headline numbers. */
export const K_MAX = 20;

/** One user's ranking task: the held-out positive first, then the sampled negatives. */
export interface TopKCase {
  userId: number;
  /** candidates[0] is the held-out positive. */
  candidates: Int32Array;
}

/**
 * Samples, for each held-out user, `negatives` distinct movies from `catalogue` that the user never
 * interacted with (NCF protocol: 99). Sampling is seeded per user, so a user's candidates do not depend
 * on which other users are evaluated. Users with too few non-interacted movies are skipped.
 */
export function sampleTopKCases(
  heldOut: Iterable<HeldOut>,
  interacted: ReadonlyMap<number, ReadonlySet<number>>,
  catalogue: Int32Array,
  opts: { negatives?: number; seed?: number } = {},
): { cases: TopKCase[]; skipped: number } {
  const negatives = opts.negatives ?? 99;
  const seed = opts.seed ?? 1;
  const cases: TopKCase[] = [];
  let skipped = 0;
  const users = [...heldOut].sort((a, b) => a.userId - b.userId);
  for (const h of users) {
    const seen = interacted.get(h.userId) ?? new Set([h.movieId]);
    let available = 0;
    for (const m of catalogue) if (!seen.has(m)) available++;
    if (available < negatives) {
      skipped++;
      continue;
    }
    const candidates = new Int32Array(negatives + 1);
    candidates[0] = h.movieId;
    const picked = new Set<number>();
    let draw = 0;
    if (available < 2 * negatives) {
      // Dense case: a partial Fisher–Yates over the explicit list, so sampling never stalls.
      const pool = catalogue.filter((m) => !seen.has(m));
      for (let i = 0; i < negatives; i++) {
        const j = i + (hash32(seed, h.userId, draw++) % (pool.length - i));
        const t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        candidates[i + 1] = pool[i];
      }
    } else {
      let filled = 1;
      while (filled <= negatives) {
        const m = catalogue[hash32(seed, h.userId, draw++) % catalogue.length];
        if (seen.has(m) || picked.has(m)) continue;
        picked.add(m);
        candidates[filled++] = m;
      }
    }
    cases.push({ userId: h.userId, candidates });
  }
  return { cases, skipped };
}

/** A stateless seeded hash (splitmix32-style mixing) of (seed, user, draw) → uint32. */
function hash32(seed: number, userId: number, draw: number): number {
  let z =
    (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(userId, 0xc2b2ae35) + Math.imul(draw, 0x27d4eb2f)) |
    0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export interface TopKMetrics {
  /** hr[k - 1] = HR@k for k = 1..K_MAX, averaged over users. */
  hr: number[];
  /** ndcg[k - 1] = NDCG@k. */
  ndcg: number[];
  users: number;
}

/**
 * HR@K and NDCG@K from each case's scores (scores[0] = the positive). A positive tied with t negatives
 * takes each rank among its tie group with equal probability and the metrics are that expectation —
 * so a constant scorer earns chance level, not a perfect score.
 */
export function topKMetrics(scoresPerCase: Iterable<ArrayLike<number>>, kMax = K_MAX): TopKMetrics {
  const hr = new Float64Array(kMax);
  const ndcg = new Float64Array(kMax);
  let users = 0;
  for (const scores of scoresPerCase) {
    const pos = scores[0];
    if (Number.isNaN(pos)) throw new RangeError("positive score is NaN");
    let greater = 0;
    let ties = 0;
    for (let i = 1; i < scores.length; i++) {
      if (scores[i] > pos) greater++;
      else if (scores[i] === pos) ties++;
      else if (Number.isNaN(scores[i])) throw new RangeError(`negative score ${i} is NaN`);
    }
    const share = 1 / (ties + 1);
    // Ranks greater+1 .. greater+ties+1, each with probability `share`.
    for (let rank = greater + 1; rank <= greater + ties + 1 && rank <= kMax; rank++) {
      const gain = share / Math.log2(rank + 1);
      for (let k = rank; k <= kMax; k++) {
        hr[k - 1] += share;
        ndcg[k - 1] += gain;
      }
    }
    users++;
  }
  const mean = (a: Float64Array) => Array.from(a, (v) => (users > 0 ? v / users : Number.NaN));
  return { hr: mean(hr), ndcg: mean(ndcg), users };
}
