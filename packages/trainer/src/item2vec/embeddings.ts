/**
 * A table of vectors keyed by id: `ids` ascending, row `i` of `vectors` (length `dim`) belongs to `ids[i]`.
 * Item2Vec returns one for movies, `userEmbeddings` one for users; Redis writers and recall read them.
 */
export interface Embeddings {
  ids: Int32Array;
  vectors: Float32Array;
  dim: number;
}

/** Row of `id` in `emb`, or -1 when it has no vector (binary search over the ascending ids). */
export function rowOf(emb: Embeddings, id: number): number {
  let lo = 0;
  let hi = emb.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = emb.ids[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The vector of `id` (a view, not a copy), or undefined. */
export function vectorOf(emb: Embeddings, id: number): Float32Array | undefined {
  const row = rowOf(emb, id);
  return row < 0 ? undefined : emb.vectors.subarray(row * emb.dim, (row + 1) * emb.dim);
}

export interface Neighbour {
  id: number;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

/**
 * The `k` ids most similar to `id` by cosine similarity, best first, `id` itself excluded.
 * Throws when `id` has no vector, so callers cannot mistake "unknown movie" for "no neighbours".
 */
export function nearestNeighbours(emb: Embeddings, id: number, k: number): Neighbour[] {
  const row = rowOf(emb, id);
  if (row < 0) throw new RangeError(`id ${id} has no embedding`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const { vectors, dim, ids } = emb;
  const q = row * dim;
  let qNorm = 0;
  for (let d = 0; d < dim; d++) qNorm += vectors[q + d] * vectors[q + d];
  qNorm = Math.sqrt(qNorm);
  // Keep the best k in a small array sorted descending: k is small next to the catalogue.
  const best: Neighbour[] = [];
  for (let r = 0; r < ids.length; r++) {
    if (r === row) continue;
    const o = r * dim;
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[o + d];
      dot += v * vectors[q + d];
      norm += v * v;
    }
    const denom = qNorm * Math.sqrt(norm);
    const score = denom > 0 ? dot / denom : 0;
    if (best.length === k && (k === 0 || score <= best[k - 1].score)) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push({ id: ids[r], score });
    while (i > 0 && best[i - 1].score < score) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = { id: ids[r], score };
  }
  return best;
}

/**
 * Each user's embedding as the mean of the vectors of the movies in their history (as the reference does).
 * Movies without a vector are skipped; users with none of theirs known get no row.
 */
export function userEmbeddings(
  histories:
    | Iterable<readonly [userId: number, movieIds: readonly number[]]>
    | ReadonlyMap<number, readonly number[]>,
  items: Embeddings,
): Embeddings {
  const { dim } = items;
  const entries = [...histories].sort((a, b) => a[0] - b[0]);
  const ids: number[] = [];
  const out = new Float32Array(entries.length * dim);
  const acc = new Float64Array(dim);
  for (const [userId, movieIds] of entries) {
    if (ids.length > 0 && ids[ids.length - 1] === userId) throw new Error(`user ${userId} appears twice`);
    acc.fill(0);
    let n = 0;
    for (const movieId of movieIds) {
      const row = rowOf(items, movieId);
      if (row < 0) continue;
      const o = row * dim;
      for (let d = 0; d < dim; d++) acc[d] += items.vectors[o + d];
      n++;
    }
    if (n === 0) continue;
    const o = ids.length * dim;
    for (let d = 0; d < dim; d++) out[o + d] = acc[d] / n;
    ids.push(userId);
  }
  return { ids: Int32Array.from(ids), vectors: out.slice(0, ids.length * dim), dim };
}
