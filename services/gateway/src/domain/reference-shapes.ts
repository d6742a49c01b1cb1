import type { MovieDetails, MovieSummary, RatingEvent, UserProfile } from "./types.js";

/** JSON shapes of the reference server (SparrowRecSys), so its front end works unchanged. */
export interface RefRating {
  rating: { movieId: number; userId: number; score: number; timestamp: number };
}

export interface RefMovie {
  movieId: number;
  title: string;
  releaseYear: number;
  imdbId: string;
  tmdbId: string;
  genres: string[];
  ratingNumber: number;
  averageRating: number;
  topRatings: RefRating[];
}

export interface RefUser {
  userId: number;
  averageRating: number;
  highestRating: number;
  lowestRating: number;
  ratingCount: number;
  ratings: RefRating[];
}

export function refRating(r: RatingEvent): RefRating {
  return { rating: { movieId: r.movieId, userId: r.userId, score: r.score, timestamp: r.timestamp } };
}

/** The reference has no "unknown year": its int field defaults to 0. */
export function refMovie(m: MovieSummary | MovieDetails): RefMovie {
  return {
    movieId: m.movieId,
    title: m.title,
    releaseYear: m.releaseYear ?? 0,
    imdbId: m.imdbId,
    tmdbId: m.tmdbId,
    genres: m.genres,
    ratingNumber: m.ratingNumber,
    averageRating: m.averageRating,
    topRatings: "topRatings" in m ? m.topRatings.map(refRating) : [],
  };
}

export function refUser(u: UserProfile): RefUser {
  return {
    userId: u.userId,
    averageRating: u.averageRating,
    highestRating: u.highestRating,
    lowestRating: u.lowestRating,
    ratingCount: u.ratingCount,
    ratings: u.ratings.map(refRating),
  };
}
