import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DatasetNotFoundError } from "./errors.js";
import { ML_1M_FILES, readMl1mMovies, readMl1mRatings } from "./formats/ml-1m.js";
import { ML_100K_FILES, readMl100kMovies, readMl100kRatings } from "./formats/ml-100k.js";
import {
  ML_LATEST_FILES,
  readMlLatestLinks,
  readMlLatestMovies,
  readMlLatestRatings,
} from "./formats/ml-latest.js";
import type { DatasetFormat, Link, Movie, ProgressFn, Rating } from "./types.js";

export interface ReadOptions {
  /** Reports (bytes read, file size) as the ratings file is read. */
  onProgress?: ProgressFn;
}

/** A MovieLens data set on disk, read as streams; every call starts a fresh pass over the files. */
export interface Dataset {
  format: DatasetFormat;
  dir: string;
  /** Paths of the files read; `links` is null where the format has none. */
  files: { movies: string; ratings: string; links: string | null };
  movies(): AsyncIterable<Movie>;
  ratings(opts?: ReadOptions): AsyncIterable<Rating>;
  /** The same ratings in batches of one read block: far fewer awaits for consumers that load millions. */
  ratingBatches(opts?: ReadOptions): AsyncIterable<Rating[]>;
  /** Empty for formats without links (ml-1m, ml-100k) and when links.csv is absent. */
  links(): AsyncIterable<Link>;
}

interface FormatSpec {
  format: DatasetFormat;
  label: string;
  movies: string;
  ratings: string;
  links: string | null;
  readMovies(dir: string): AsyncIterable<Movie>;
  readRatings(dir: string, onProgress?: ProgressFn): AsyncIterable<Rating[]>;
  readLinks(dir: string): AsyncIterable<Link>;
}

async function* noLinks(): AsyncGenerator<Link> {}

const FORMATS: FormatSpec[] = [
  {
    format: "ml-latest",
    label: "ml-latest / ml-latest-small / ml-25m / generated",
    ...ML_LATEST_FILES,
    readMovies: readMlLatestMovies,
    readRatings: readMlLatestRatings,
    readLinks: readMlLatestLinks,
  },
  {
    format: "ml-1m",
    label: "ml-1m",
    ...ML_1M_FILES,
    links: null,
    readMovies: readMl1mMovies,
    readRatings: readMl1mRatings,
    readLinks: noLinks,
  },
  {
    format: "ml-100k",
    label: "ml-100k",
    ...ML_100K_FILES,
    links: null,
    readMovies: readMl100kMovies,
    readRatings: readMl100kRatings,
    readLinks: noLinks,
  },
];

const EXPECTED = FORMATS.map((f) => `${f.movies} + ${f.ratings} (${f.label})`).join(", ");

/** Which MovieLens format `dir` holds, from the files in it; a clear error when it holds none. */
export async function detectFormat(dir: string): Promise<DatasetFormat> {
  return (await detectSpec(dir)).format;
}

async function detectSpec(dir: string): Promise<FormatSpec> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory())
      throw new DatasetNotFoundError(dir, `${dir} is a file, not a directory`);
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof DatasetNotFoundError) throw err;
    throw new DatasetNotFoundError(
      dir,
      `data directory ${dir} does not exist (run \`wren data generate --out ${dir}\` or \`wren data download\`)`,
    );
  }
  const present = new Set(names);
  const spec = FORMATS.find((f) => present.has(f.movies) && present.has(f.ratings));
  if (spec) return spec;
  const half = FORMATS.find((f) => present.has(f.movies) || present.has(f.ratings));
  if (half) {
    const [has, missing] = present.has(half.movies)
      ? [half.movies, half.ratings]
      : [half.ratings, half.movies];
    throw new DatasetNotFoundError(
      dir,
      `${dir} has ${has} but no ${missing}: an incomplete ${half.label} data set`,
    );
  }
  const nested = await nestedDatasets(dir, names);
  const hint = nested.length > 0 ? `; did you mean ${nested.join(" or ")}?` : "";
  const found = names.length === 0 ? "it is empty" : `found ${listSome(names)}`;
  throw new DatasetNotFoundError(dir, `no MovieLens files in ${dir}: expected ${EXPECTED}; ${found}${hint}`);
}

/** Subdirectories that hold a data set: a zip from GroupLens unpacks into one (`ml-1m/`). */
async function nestedDatasets(dir: string, names: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names.slice(0, 50)) {
    try {
      const inner = new Set(await readdir(join(dir, name)));
      if (FORMATS.some((f) => inner.has(f.movies) && inner.has(f.ratings))) found.push(join(dir, name));
    } catch {
      // not a directory
    }
  }
  return found;
}

function listSome(names: string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/** Opens the MovieLens data set in `dir` (format detected from its files). */
export async function openDataset(dir: string): Promise<Dataset> {
  const spec = await detectSpec(dir);
  const ratingBatches = (opts?: ReadOptions) => spec.readRatings(dir, opts?.onProgress);
  return {
    format: spec.format,
    dir,
    files: {
      movies: join(dir, spec.movies),
      ratings: join(dir, spec.ratings),
      links: spec.links === null ? null : join(dir, spec.links),
    },
    movies: () => spec.readMovies(dir),
    ratings: (opts) => flatten(ratingBatches(opts)),
    ratingBatches,
    links: () => spec.readLinks(dir),
  };
}

/**
 * One item at a time out of batches. Hand-written rather than `yield*` in an async generator: items of the
 * current batch resolve at once, which makes per-rating iteration several times faster.
 */
function flatten<T>(batches: AsyncIterable<T[]>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const source = batches[Symbol.asyncIterator]();
      let batch: T[] = [];
      let i = 0;
      const next = (): Promise<IteratorResult<T>> => {
        if (i < batch.length) return Promise.resolve({ value: batch[i++], done: false });
        return source.next().then((r) => {
          if (r.done) return { value: undefined, done: true };
          batch = r.value;
          i = 0;
          return next();
        });
      };
      return {
        next,
        return: async () => {
          await source.return?.();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
