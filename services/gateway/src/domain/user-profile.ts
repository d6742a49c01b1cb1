import type { GenreCount, MovieSummary, RatingEvent, UserProfile } from "./types.js";

/** The reference's positive-rating threshold (label = rating ≥ 3.5). */
export const POSITIVE_RATING = 3.5;

/** Genres of the user's positively rated movies, most frequent first (ties by name). */
export function favouriteGenres(
  ratings: readonly RatingEvent[],
  movies: ReadonlyMap<number, MovieSummary>,
): GenreCount[] {
  const counts = new Map<string, number>();
  for (const r of ratings) {
    if (r.score < POSITIVE_RATING) continue;
    for (const g of movies.get(r.movieId)?.genres ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return [...counts]
    .map(([genre, count]) => ({ genre, count }))
    .sort((a, b) => b.count - a.count || a.genre.localeCompare(b.genre));
}

export interface UserStats {
  userId: number;
  ratingCount: number;
  averageRating: number;
  highestRating: number;
  lowestRating: number;
}

/** The user page: statistics, favourite genres and every rating (most recent first) with its movie. */
export function userProfile(
  stats: UserStats,
  ratings: readonly RatingEvent[],
  movies: ReadonlyMap<number, MovieSummary>,
): UserProfile {
  return {
    ...stats,
    favouriteGenres: favouriteGenres(ratings, movies),
    ratings: [...ratings]
      .sort((a, b) => b.timestamp - a.timestamp || a.movieId - b.movieId)
      .map((r) => ({ ...r, movie: movies.get(r.movieId) ?? null })),
  };
}
