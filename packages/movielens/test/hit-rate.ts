import type { Rating } from "../src/index.js";

/**
 * Leave-one-out HR@10 with 99 random unrated negatives (the NCF protocol) for two rankers learned from
 * the training part only: popularity (rating counts) and item-kNN (cosine over co-rating counts). Test
 * support: enough to tell whether generated data holds structure a collaborative model can learn.
 */
export function hitRates(
  ratings: Rating[],
  seed = 1,
): { popularity: number; itemKnn: number; random: number } {
  const byUser = new Map<number, Rating[]>();
  const index = new Map<number, number>();
  for (const r of ratings) {
    if (!index.has(r.movieId)) index.set(r.movieId, index.size);
    const list = byUser.get(r.userId);
    if (list) list.push(r);
    else byUser.set(r.userId, [r]);
  }
  const n = index.size;
  const count = new Float64Array(n);
  const train: number[][] = [];
  const heldOut: number[] = [];
  for (const list of byUser.values()) {
    list.sort((a, b) => a.timestamp - b.timestamp);
    const items = list.map((r) => index.get(r.movieId) as number);
    heldOut.push(items.pop() as number);
    train.push(items);
    for (const m of items) count[m]++;
  }
  const co = new Float64Array(n * n);
  for (const items of train) for (const a of items) for (const b of items) if (a !== b) co[a * n + b]++;
  let state = seed;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const hits = { popularity: 0, itemKnn: 0, random: 0 };
  train.forEach((items, u) => {
    const positive = heldOut[u];
    const excluded = new Set([...items, positive]);
    const candidates = [positive];
    while (candidates.length < 100) {
      const m = Math.floor(rand() * n);
      if (!excluded.has(m)) {
        excluded.add(m);
        candidates.push(m);
      }
    }
    const knn = (m: number) => {
      let s = 0;
      for (const i of items) s += co[i * n + m] / Math.sqrt((count[i] + 1) * (count[m] + 1));
      return s;
    };
    const noise = candidates.map(() => rand());
    const inTop10 = (score: (m: number, k: number) => number) =>
      candidates.filter((m, k) => score(m, k) > score(positive, 0)).length < 10;
    if (inTop10((m) => count[m])) hits.popularity++;
    if (inTop10(knn)) hits.itemKnn++;
    if (inTop10((_, k) => noise[k])) hits.random++;
  });
  const users = train.length;
  return { popularity: hits.popularity / users, itemKnn: hits.itemKnn / users, random: hits.random / users };
}
