/**
 * Writes a small, structured feature-store version straight into Redis with the key layout of
 * @wren/feature-store (keys.ts), for the online services' tests:
 * 4 genres × `perGenre` movies (15 by default; movie id = genre × stride + rank, stride ≥ 100); popularity
 * falls with the movie id inside a genre; Item2Vec and two-tower vectors point at the genre's axis, so
 * neighbours share the genre; user u's history is all of genre (u % 4).
 */
import { randomUUID } from "node:crypto";
import { encodeVector, newVersionId, storeKeys } from "@wren/feature-store";
import type { Redis } from "ioredis";

export const GENRES = ["Action", "Comedy", "Drama", "Romance"] as const;
export const MOVIES_PER_GENRE = 15;

export interface FixtureMovie {
  movieId: number;
  genre: string;
  ratingNumber: number;
  averageRating: number;
  releaseYear: number;
}

const stride = (perGenre: number) => Math.max(100, perGenre);

export function fixtureMovies(perGenre = MOVIES_PER_GENRE): FixtureMovie[] {
  const out: FixtureMovie[] = [];
  GENRES.forEach((genre, g) => {
    for (let i = 0; i < perGenre; i++) {
      const movieId = g * stride(perGenre) + i + 1;
      out.push({
        movieId,
        genre,
        ratingNumber: Math.max(5, 200 - i * 10 - g),
        averageRating: 3 + ((i * 7) % 10) / 10,
        releaseYear: 1980 + (i % 40),
      });
    }
  });
  return out;
}

/** User u (1..40) rated the first 8 movies of genre u % 4 (positively) — users ≥ 41 are unknown. */
export function fixtureHistory(
  userId: number,
  perGenre = MOVIES_PER_GENRE,
): { movieId: number; rating: number; timestamp: number }[] {
  if (userId > 40) return [];
  const g = userId % 4;
  const count = userId === 1 ? 2 : 8; // user 1 has too few ratings: cold start
  return Array.from({ length: count }, (_, i) => ({
    movieId: g * stride(perGenre) + i + 1,
    rating: 4 + (i % 2) * 0.5,
    timestamp: 1_000_000 + i * 60,
  }));
}

function genreVector(g: number, jitter: number): Float32Array {
  const v = new Float32Array(8);
  v[g] = 1;
  v[4 + (g % 4)] = jitter;
  return v;
}

export interface Fixture {
  prefix: string;
  version: string;
  cleanup(): Promise<void>;
}

/** Writes the fixture as a new version (under a fresh prefix unless given) and then points `current` at it. */
export async function writeFixture(
  redis: Redis,
  options: { twoTower?: boolean; perGenre?: number; prefix?: string } = {},
): Promise<Fixture> {
  const perGenre = options.perGenre ?? MOVIES_PER_GENRE;
  const prefix = options.prefix ?? `test-${randomUUID()}`;
  const keys = storeKeys(prefix);
  const version = newVersionId();
  const v = keys.version(version);
  const pipe = redis.pipeline();
  const movies = fixtureMovies(perGenre);
  for (const m of movies) {
    const g = GENRES.indexOf(m.genre as (typeof GENRES)[number]);
    pipe.hset(v.movie(m.movieId), {
      title: `Movie ${m.movieId}, The (${m.releaseYear})`,
      genres: m.genre,
      imdbId: String(100000 + m.movieId),
      tmdbId: String(m.movieId),
      ratingNumber: m.ratingNumber,
      averageRating: m.averageRating,
      releaseYear: m.releaseYear,
      movieGenre1: m.genre,
      movieGenre2: "",
      movieGenre3: "",
      movieRatingCount: m.ratingNumber,
      movieAvgRating: m.averageRating,
      movieRatingStddev: 0.5,
    });
    pipe.zadd(v.movies, m.ratingNumber, m.movieId);
    pipe.hset(v.embeddings("i2v"), String(m.movieId), encodeVector(genreVector(g, m.movieId / 1000)));
    if (options.twoTower) {
      pipe.hset(
        v.embeddings("tt-item"),
        String(m.movieId),
        encodeVector(genreVector(g, 0.5 - m.movieId / 1000)),
      );
    }
    pipe.set(v.topRatings(m.movieId), `7:5:1000000,8:4.5:1000001`);
  }
  for (let u = 1; u <= 40; u++) {
    const h = fixtureHistory(u, perGenre);
    pipe.hset(
      v.history(u),
      Object.fromEntries(h.map((r) => [String(r.movieId), `${r.rating}:${r.timestamp}`])),
    );
    pipe.hset(v.user(u), {
      userRatedMovie1: h[h.length - 1].movieId,
      userRatingCount: h.length,
      userAvgRating: 4.25,
      userRatingStddev: 0.25,
      userAvgReleaseYear: 1983,
      userReleaseYearStddev: 2,
      userGenre1: GENRES[u % 4],
      highestRating: 4.5,
      lowestRating: 4,
    });
    if (options.twoTower)
      pipe.hset(v.embeddings("tt-user"), String(u), encodeVector(genreVector(u % 4, 0.1)));
  }
  pipe.hset(v.meta, { movies: movies.length });
  pipe.set(keys.current, version);
  await pipe.exec();
  return {
    prefix,
    version,
    async cleanup() {
      let cursor = "0";
      do {
        const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        if (found.length > 0) await redis.del(...found);
        cursor = next;
      } while (cursor !== "0");
    },
  };
}
