import type { ExposureEvent } from "@wren/contracts";
import type {
  GenreSort,
  MovieDetails,
  MovieSummary,
  RecommendationBackend,
  RecommendationResult,
  UserProfile,
} from "../src/domain/types.js";

/** A tiny catalogue for unit tests of routing and validation only; integration tests use the real services. */
export const movies: MovieDetails[] = [
  {
    movieId: 1,
    title: "Toy Story (1995)",
    releaseYear: 1995,
    genres: ["Animation", "Comedy"],
    imdbId: "0114709",
    tmdbId: "862",
    ratingNumber: 3,
    averageRating: 4.5,
    topRatings: [{ userId: 7, movieId: 1, score: 5, timestamp: 100 }],
  },
  {
    movieId: 2,
    title: "Heat (1995)",
    releaseYear: 1995,
    genres: ["Action", "Crime"],
    imdbId: "0113277",
    tmdbId: "949",
    ratingNumber: 2,
    averageRating: 3.5,
    topRatings: [],
  },
  {
    movieId: 3,
    title: "Alien (1979)",
    releaseYear: 1979,
    genres: ["Horror", "Sci-Fi"],
    imdbId: "0078748",
    tmdbId: "348",
    ratingNumber: 5,
    averageRating: 4.1,
    topRatings: [],
  },
  {
    movieId: 4,
    title: "Untitled",
    releaseYear: null,
    genres: ["Comedy"],
    imdbId: "0000004",
    tmdbId: "",
    ratingNumber: 1,
    averageRating: 2,
    topRatings: [],
  },
];

const summary = ({ topRatings: _, ...m }: MovieDetails): MovieSummary => m;

export class FakeBackend implements RecommendationBackend {
  calls: Array<{ userId: number; model: string; size: number }> = [];
  failWith: Error | null = null;

  async getRecommendations(req: {
    userId: number;
    model: string;
    size: number;
  }): Promise<RecommendationResult> {
    this.calls.push(req);
    if (this.failWith) throw this.failWith;
    const known = req.userId === 7;
    const items = movies
      .filter((m) => !known || m.movieId !== 1)
      .slice(0, req.size)
      .map((m, i) => ({
        movie: summary(m),
        score: 1 - i / 10,
        channels: known ? ["item2vec"] : ["popular"],
      }));
    return { items, model: req.model, version: 1, degraded: false, degradedReasons: [], coldStart: !known };
  }

  async getUser(userId: number): Promise<UserProfile | null> {
    if (this.failWith) throw this.failWith;
    if (userId !== 7) return null;
    return {
      userId: 7,
      ratingCount: 1,
      averageRating: 5,
      highestRating: 5,
      lowestRating: 5,
      favouriteGenres: [{ genre: "Comedy", count: 1 }],
      ratings: [
        { userId: 7, movieId: 1, score: 5, timestamp: 100, movie: summary(movies[0] as MovieDetails) },
      ],
    };
  }

  async getMovie(movieId: number): Promise<MovieDetails | null> {
    return movies.find((m) => m.movieId === movieId) ?? null;
  }

  async getSimilar(movieId: number, size: number): Promise<MovieSummary[] | null> {
    if (!movies.some((m) => m.movieId === movieId)) return null;
    return movies
      .filter((m) => m.movieId !== movieId)
      .slice(0, size)
      .map(summary);
  }

  async getGenreMovies(genre: string, sort: GenreSort, offset: number, limit: number) {
    const all = movies
      .filter((m) => m.genres.includes(genre))
      .sort((a, b) =>
        sort === "rating" ? b.averageRating - a.averageRating : (b.releaseYear ?? 0) - (a.releaseYear ?? 0),
      );
    return { total: all.length, movies: all.slice(offset, offset + limit).map(summary) };
  }

  async genres(): Promise<string[]> {
    return [...new Set(movies.flatMap((m) => m.genres))].sort();
  }
}

export class RecordingExposures {
  events: ExposureEvent[] = [];
  publish(e: ExposureEvent): void {
    this.events.push(e);
  }
}
