import {
  type GenreResponse,
  type GenreSort,
  type MovieInfo,
  type SimilarResponse,
  type UserResponse,
  WrenError,
} from "@wren/contracts";
import type { CatalogIndex } from "./catalog-index.js";
import { favouriteGenres, type RatedMovie } from "./recall.js";

/** Movies by id in request order, and the ids the catalogue lacks. */
export function lookupMovies(index: CatalogIndex, ids: readonly number[]) {
  const movies: MovieInfo[] = [];
  const missingMovieIds: number[] = [];
  for (const id of ids) {
    const m = index.movies.get(id);
    if (m) movies.push(m);
    else missingMovieIds.push(id);
  }
  return { movies, missingMovieIds };
}

/**
 * Item2Vec neighbours of a movie; a movie without an embedding (too few ratings to learn one) falls back
 * to the most popular movies sharing its first genre, so the page never shows an empty row.
 */
export function similarMovies(index: CatalogIndex, movieId: number, size: number): SimilarResponse {
  const movie = index.movies.get(movieId);
  if (!movie) throw WrenError.notFound(`movieId ${movieId} is not in the catalogue`);
  const v = index.i2v?.vector(movieId);
  if (index.i2v && v) {
    const { ids, scores } = index.i2v.nearest(v, size + 1, new Set([movieId]));
    const movies: MovieInfo[] = [];
    const kept: number[] = [];
    ids.forEach((id, i) => {
      const m = index.movies.get(id);
      if (m && movies.length < size) {
        movies.push(m);
        kept.push(scores[i]);
      }
    });
    return { movies, scores: kept, source: "i2v" };
  }
  const pool = index.genrePopular.get(movie.genres[0] ?? "") ?? index.popular;
  const movies = pool
    .filter((id) => id !== movieId)
    .slice(0, size)
    .map((id) => index.movies.get(id) as MovieInfo);
  return { movies, scores: movies.map(() => 0), source: "genre" };
}

/** Movies of a genre by rating or release year; 404 naming `genre` when the catalogue has no such genre. */
export function genreMovies(
  index: CatalogIndex,
  genre: string,
  size: number,
  sortBy: GenreSort,
): GenreResponse {
  const lists = sortBy === "rating" ? index.genreByRating : index.genreByYear;
  const key = index.genrePopular.has(genre)
    ? genre
    : [...index.genrePopular.keys()].find((g) => g.toLowerCase() === genre.toLowerCase());
  if (key === undefined) throw WrenError.notFound(`genre ${JSON.stringify(genre)} is not in the catalogue`);
  const ids = (lists.get(key) ?? []).slice(0, size);
  return { genre: key, movies: ids.map((id) => index.movies.get(id) as MovieInfo) };
}

/** The reference's User JSON from the user's history (newest first); null for an unknown user. */
export function userProfile(
  index: CatalogIndex,
  userId: number,
  history: readonly RatedMovie[],
  maxRatings: number,
  positiveRating: number,
): UserResponse {
  if (history.length === 0) return { user: null };
  let sum = 0;
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (const r of history) {
    sum += r.rating;
    hi = Math.max(hi, r.rating);
    lo = Math.min(lo, r.rating);
  }
  return {
    user: {
      userId,
      averageRating: sum / history.length,
      highestRating: hi,
      lowestRating: lo,
      ratingCount: history.length,
      favouriteGenres: favouriteGenres(index, history, positiveRating),
      ratings: history
        .slice(0, maxRatings)
        .map((r) => ({ userId, movieId: r.movieId, score: r.rating, timestamp: r.timestamp })),
    },
  };
}
