import { openDataset, type ReadOptions } from "./dataset.js";
import type { DatasetFormat } from "./types.js";

/** What a data set holds, from one pass over each file. */
export interface DatasetReport {
  format: DatasetFormat;
  dir: string;
  movies: number;
  moviesWithoutGenres: number;
  moviesWithoutYear: number;
  releaseYears: { min: number; max: number } | null;
  links: number;
  ratings: number;
  users: number;
  ratedMovies: number;
  /** Ratings whose movieId is not in the movies file. */
  ratingsOfUnknownMovies: number;
  ratingRange: { min: number; max: number; mean: number };
  /** Rating timestamps, seconds since the epoch. */
  timeRange: { min: number; max: number };
  ratingsPerUser: { min: number; median: number; max: number };
}

export async function inspectDataset(dir: string, opts: ReadOptions = {}): Promise<DatasetReport> {
  const ds = await openDataset(dir);
  const movieIds = new Set<number>();
  let withoutGenres = 0;
  let withoutYear = 0;
  let minYear = Number.POSITIVE_INFINITY;
  let maxYear = Number.NEGATIVE_INFINITY;
  for await (const m of ds.movies()) {
    movieIds.add(m.movieId);
    if (m.genres.length === 0) withoutGenres++;
    if (m.releaseYear === null) withoutYear++;
    else {
      minYear = Math.min(minYear, m.releaseYear);
      maxYear = Math.max(maxYear, m.releaseYear);
    }
  }
  let links = 0;
  for await (const _ of ds.links()) links++;

  const perUser = new Map<number, number>();
  const rated = new Set<number>();
  let count = 0;
  let unknown = 0;
  let sum = 0;
  let minRating = Number.POSITIVE_INFINITY;
  let maxRating = Number.NEGATIVE_INFINITY;
  let minTime = Number.POSITIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  for await (const batch of ds.ratingBatches(opts)) {
    for (const r of batch) {
      count++;
      sum += r.rating;
      if (r.rating < minRating) minRating = r.rating;
      if (r.rating > maxRating) maxRating = r.rating;
      if (r.timestamp < minTime) minTime = r.timestamp;
      if (r.timestamp > maxTime) maxTime = r.timestamp;
      perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + 1);
      rated.add(r.movieId);
      if (!movieIds.has(r.movieId)) unknown++;
    }
  }
  const counts = Int32Array.from(perUser.values()).sort();
  return {
    format: ds.format,
    dir,
    movies: movieIds.size,
    moviesWithoutGenres: withoutGenres,
    moviesWithoutYear: withoutYear,
    releaseYears: minYear <= maxYear ? { min: minYear, max: maxYear } : null,
    links,
    ratings: count,
    users: perUser.size,
    ratedMovies: rated.size,
    ratingsOfUnknownMovies: unknown,
    ratingRange: { min: minRating, max: maxRating, mean: sum / count },
    timeRange: { min: minTime, max: maxTime },
    ratingsPerUser: { min: counts[0], median: counts[counts.length >> 1], max: counts[counts.length - 1] },
  };
}
