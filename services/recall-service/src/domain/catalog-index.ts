import type { MovieInfo } from "@wren/contracts";
import type { RecallConfig } from "./recall.js";
import { VectorIndex } from "./vector-index.js";

/** Everything recall and the catalogue lookups read, built once per feature-store version. */
export interface CatalogIndex {
  version: string;
  movies: Map<number, MovieInfo>;
  /** Most rated first. */
  popular: number[];
  /** Highest average rating first among movies with at least `minRatingCount` ratings. */
  topRated: number[];
  /** Genre → its movies, most rated first. */
  genrePopular: Map<string, number[]>;
  /** Genre → its movies by average rating (ties: more ratings first), `minRatingCount` applied. */
  genreByRating: Map<string, number[]>;
  /** Genre → its movies, newest first. */
  genreByYear: Map<string, number[]>;
  /** Genres, most movies first. */
  genres: { genre: string; movieCount: number }[];
  i2v: VectorIndex | null;
  twoTowerItems: VectorIndex | null;
}

export interface IndexInputs {
  version: string;
  movies: readonly MovieInfo[];
  i2v?: Map<string, Float32Array>;
  twoTowerItems?: Map<string, Float32Array>;
  /** Minimum rating count for the top-rated list and genre-by-rating lists. */
  minRatingCount: number;
}

const byPopularity = (a: MovieInfo, b: MovieInfo) => b.ratingNumber - a.ratingNumber || a.movieId - b.movieId;
const byRating = (a: MovieInfo, b: MovieInfo) =>
  b.averageRating - a.averageRating || b.ratingNumber - a.ratingNumber || a.movieId - b.movieId;
const byYear = (a: MovieInfo, b: MovieInfo) =>
  (b.releaseYear ?? 0) - (a.releaseYear ?? 0) || b.ratingNumber - a.ratingNumber || a.movieId - b.movieId;

export function buildCatalogIndex(input: IndexInputs): CatalogIndex {
  const movies = new Map(input.movies.map((m) => [m.movieId, m]));
  const all = [...movies.values()];
  const rated = (m: MovieInfo) => m.ratingNumber >= input.minRatingCount;
  const ids = (list: MovieInfo[]) => list.map((m) => m.movieId);

  const perGenre = new Map<string, MovieInfo[]>();
  for (const m of all) {
    for (const g of m.genres) {
      const list = perGenre.get(g);
      if (list) list.push(m);
      else perGenre.set(g, [m]);
    }
  }
  const genrePopular = new Map<string, number[]>();
  const genreByRating = new Map<string, number[]>();
  const genreByYear = new Map<string, number[]>();
  for (const [g, list] of perGenre) {
    genrePopular.set(g, ids([...list].sort(byPopularity)));
    genreByRating.set(g, ids(list.filter(rated).sort(byRating)));
    genreByYear.set(g, ids([...list].sort(byYear)));
  }
  return {
    version: input.version,
    movies,
    popular: ids([...all].sort(byPopularity)),
    topRated: ids(all.filter(rated).sort(byRating)),
    genrePopular,
    genreByRating,
    genreByYear,
    genres: [...perGenre]
      .map(([genre, list]) => ({ genre, movieCount: list.length }))
      .sort((a, b) => b.movieCount - a.movieCount || a.genre.localeCompare(b.genre)),
    i2v: input.i2v ? VectorIndex.build(input.i2v) : null,
    twoTowerItems: input.twoTowerItems ? VectorIndex.build(input.twoTowerItems) : null,
  };
}

/**
 * Fills the Item2Vec neighbour lists of the most rated movies first (recent positive ratings, the seeds,
 * are mostly of popular movies), sized for a user with the full `i2vSeeds` seeds, within `budgetMs`.
 */
export function warmCatalogIndex(
  index: CatalogIndex,
  config: RecallConfig,
  budgetMs: number,
): Promise<number> {
  if (!index.i2v) return Promise.resolve(0);
  return index.i2v.warmNeighbours(index.popular, Math.ceil(config.quotas.i2v / config.i2vSeeds), budgetMs);
}
