/** One movie as every reader and the generator produce it, whatever the source format. */
export interface Movie {
  movieId: number;
  /** Title as in the source, year included, e.g. "Toy Story (1995)". */
  title: string;
  /** Empty when the source says "(no genres listed)". */
  genres: string[];
  /** Parsed from the trailing "(YYYY)" of the title; null when the title has none. */
  releaseYear: number | null;
}

/** One rating event; timestamp in whole seconds since the epoch. */
export interface Rating {
  userId: number;
  movieId: number;
  /** 0.5–5 in steps of 0.5 (ml-1m / ml-100k use whole stars). */
  rating: number;
  timestamp: number;
}

export interface Link {
  movieId: number;
  /** As in links.csv: digits without the "tt" prefix, leading zeros kept. */
  imdbId: string;
  /** Empty string where links.csv has no TMDb id. */
  tmdbId: string;
}

export type DatasetFormat = "ml-latest" | "ml-1m" | "ml-100k";

/** Reported progress of a long job; `total` is null when unknown. */
export type ProgressFn = (done: number, total: number | null) => void;
