import { POSITIVE_RATING, type RatingEvent } from "../item2vec/sequences.js";

export interface HeldOut {
  userId: number;
  movieId: number;
  timestamp: number;
}

/** The NCF leave-one-out split: each user's latest positive, which training must not see. */
export interface LeaveOneOutSplit {
  /** By user id. */
  readonly heldOut: ReadonlyMap<number, HeldOut>;
  /** True for the one held-out (user, movie) pair of a user: drop such rows from training data. */
  isHeldOut(userId: number, movieId: number): boolean;
}

/**
 * Holds out each user's latest positive rating (ties on timestamp: the larger movie id), for users with
 * at least `minPositives` positives so that every held-out user keeps a positive to learn from.
 * The trainer and `wren evaluate` both call this on the same ratings, so they agree on the split.
 */
export function leaveOneOut(
  ratings: Iterable<RatingEvent>,
  opts: { threshold?: number; minPositives?: number } = {},
): LeaveOneOutSplit {
  const threshold = opts.threshold ?? POSITIVE_RATING;
  const minPositives = opts.minPositives ?? 2;
  const latest = new Map<number, HeldOut>();
  const positives = new Map<number, number>();
  for (const r of ratings) {
    if (r.rating < threshold) continue;
    positives.set(r.userId, (positives.get(r.userId) ?? 0) + 1);
    const cur = latest.get(r.userId);
    if (!cur || r.timestamp > cur.timestamp || (r.timestamp === cur.timestamp && r.movieId > cur.movieId))
      latest.set(r.userId, { userId: r.userId, movieId: r.movieId, timestamp: r.timestamp });
  }
  for (const [userId, n] of positives) if (n < minPositives) latest.delete(userId);
  return {
    heldOut: latest,
    isHeldOut: (userId, movieId) => latest.get(userId)?.movieId === movieId,
  };
}
