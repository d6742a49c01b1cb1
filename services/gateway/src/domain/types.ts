/** What the gateway shows. The backend (NATS adapter or an in-process composition) fills these in. */

export interface MovieSummary {
  movieId: number;
  title: string;
  releaseYear: number | null;
  genres: string[];
  imdbId: string;
  tmdbId: string;
  ratingNumber: number;
  averageRating: number;
}

export interface RatingEvent {
  userId: number;
  movieId: number;
  /** 0.5–5. */
  score: number;
  /** Whole seconds since the epoch. */
  timestamp: number;
}

export interface MovieDetails extends MovieSummary {
  /** The movie's highest ratings, best first (the reference's `topRatings`, "who likes it most"). */
  topRatings: RatingEvent[];
}

export interface GenreCount {
  genre: string;
  count: number;
}

export interface UserProfile {
  userId: number;
  ratingCount: number;
  averageRating: number;
  highestRating: number;
  lowestRating: number;
  /** Genres of the user's positively rated movies, most frequent first. */
  favouriteGenres: GenreCount[];
  /** Every rating of the user, most recent first, each with its movie. */
  ratings: Array<RatingEvent & { movie: MovieSummary | null }>;
}

export interface Recommendation {
  movie: MovieSummary;
  /** Ranking score; null when the ranking stage was skipped (degraded answer in recall order). */
  score: number | null;
  /** Recall channels that proposed the movie, e.g. ["item2vec", "genre"]. */
  channels: string[];
}

export interface RecommendationResult {
  items: Recommendation[];
  /** The ranking model actually used (null when none answered). */
  model: string | null;
  version: number | null;
  degraded: boolean;
  /** Why the answer is degraded, e.g. "ranking-timeout", "features-unavailable". Empty when not. */
  degradedReasons: string[];
  /** True when the user had no (or too few) ratings and got the cold-start mix. */
  coldStart: boolean;
}

export type GenreSort = "rating" | "releaseYear";

export interface GenrePage {
  total: number;
  movies: MovieSummary[];
}

export interface ModelVersion {
  version: number;
  /** When the trainer exported it (ISO 8601), if recorded. */
  createdAt: string | null;
  /** Evaluation metrics at export time (auc, hr@10, ndcg@10, popularity.* baselines, …). */
  metrics: Record<string, number>;
}

export interface ModelVersions {
  name: string;
  /** Ascending; the highest is the one served. */
  versions: ModelVersion[];
}

/**
 * Everything the HTTP layer needs. Implemented over NATS by `adapters/nats-backend.ts`; routes know no
 * transport. Methods reject with `BackendError` (see errors.ts) when a dependency cannot answer.
 */
export interface RecommendationBackend {
  getRecommendations(req: {
    userId: number;
    model: string;
    size: number;
    deadlineMs: number;
  }): Promise<RecommendationResult>;
  /** null when the user has no ratings at all. */
  getUser(userId: number): Promise<UserProfile | null>;
  /** null when no such movie. */
  getMovie(movieId: number): Promise<MovieDetails | null>;
  /** Movies closest to `movieId` in embedding space; null when no such movie. */
  getSimilar(movieId: number, size: number): Promise<MovieSummary[] | null>;
  getGenreMovies(genre: string, sort: GenreSort, offset: number, limit: number): Promise<GenrePage>;
  /** Every genre of the catalogue, as spelled in the data. */
  genres(): Promise<string[]>;
}
