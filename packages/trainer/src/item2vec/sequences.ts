/** The fields of a rating that sequence building and evaluation read. */
export interface RatingEvent {
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
}

/** Rating at or above which a rating counts as positive (label 1), as in the reference. */
export const POSITIVE_RATING = 3.5;

export interface SequenceOptions {
  /** Only ratings strictly before this timestamp (the training period), so embeddings never see test data. */
  before?: number;
  /** Leave these (user, movie) pairs out, e.g. the leave-one-out held-out positives. */
  exclude?: (userId: number, movieId: number) => boolean;
  threshold?: number;
}

/**
 * Each user's positively rated movies in time order (ties by movie id, so the order is reproducible):
 * the "sentences" Item2Vec learns from. Returned as [userId, movieIds] pairs sorted by user id.
 */
export function positiveSequences(
  ratings: Iterable<RatingEvent>,
  opts: SequenceOptions = {},
): Array<[userId: number, movieIds: number[]]> {
  const threshold = opts.threshold ?? POSITIVE_RATING;
  const byUser = new Map<number, Array<{ movieId: number; timestamp: number }>>();
  for (const r of ratings) {
    if (r.rating < threshold) continue;
    if (opts.before !== undefined && r.timestamp >= opts.before) continue;
    if (opts.exclude?.(r.userId, r.movieId)) continue;
    let list = byUser.get(r.userId);
    if (!list) {
      list = [];
      byUser.set(r.userId, list);
    }
    list.push({ movieId: r.movieId, timestamp: r.timestamp });
  }
  return [...byUser]
    .sort((a, b) => a[0] - b[0])
    .map(([userId, list]) => [
      userId,
      list.sort((a, b) => a.timestamp - b.timestamp || a.movieId - b.movieId).map((e) => e.movieId),
    ]);
}
