import { access } from "node:fs/promises";
import { join } from "node:path";
import { readCsvRecords } from "../csv-records.js";
import { MovieLensParseError } from "../errors.js";
import { NO_GENRES, normaliseGenre } from "../genres.js";
import { clip, readRatingBatches } from "../rating-lines.js";
import { titleYear } from "../title.js";
import type { Link, Movie, ProgressFn, Rating } from "../types.js";

/** ml-latest, ml-latest-small, ml-20m, ml-25m and generated data: movies.csv, ratings.csv, links.csv. */
export const ML_LATEST_FILES = { movies: "movies.csv", ratings: "ratings.csv", links: "links.csv" } as const;

export function readMlLatestRatings(dir: string, onProgress?: ProgressFn): AsyncGenerator<Rating[]> {
  return readRatingBatches(
    join(dir, ML_LATEST_FILES.ratings),
    { separator: ",", header: "userId,movieId,rating,timestamp" },
    onProgress,
  );
}

export async function* readMlLatestMovies(dir: string): AsyncGenerator<Movie> {
  const file = join(dir, ML_LATEST_FILES.movies);
  let rows = 0;
  for await (const { fields, line } of checkedRecords(file, ["movieId", "title", "genres"])) {
    const title = fields[1].trim();
    if (title === "") throw new MovieLensParseError(file, line, "empty title");
    const genres =
      fields[2] === NO_GENRES || fields[2] === "" ? [] : fields[2].split("|").map(normaliseGenre);
    rows++;
    yield {
      movieId: positiveId(file, line, "movieId", fields[0]),
      title,
      genres,
      releaseYear: titleYear(title),
    };
  }
  if (rows === 0) throw new MovieLensParseError(file, 2, "no movies in the file");
}

/** links.csv is optional: without it there are no links (and no error). */
export async function* readMlLatestLinks(dir: string): AsyncGenerator<Link> {
  const file = join(dir, ML_LATEST_FILES.links);
  if (!(await exists(file))) return;
  for await (const { fields, line } of checkedRecords(file, ["movieId", "imdbId", "tmdbId"])) {
    const [movieId, imdbId, tmdbId] = fields;
    if (!/^\d+$/.test(imdbId))
      throw new MovieLensParseError(file, line, `imdbId "${clip(imdbId)}" is not digits`);
    if (!/^\d*$/.test(tmdbId))
      throw new MovieLensParseError(file, line, `tmdbId "${clip(tmdbId)}" is not digits`);
    yield { movieId: positiveId(file, line, "movieId", movieId), imdbId, tmdbId };
  }
}

/** Records after a header that must match `columns`, each with exactly that many fields. */
async function* checkedRecords(file: string, columns: string[]) {
  let first = true;
  for await (const record of readCsvRecords(file)) {
    if (first) {
      first = false;
      if (record.fields.join(",") !== columns.join(",")) {
        throw new MovieLensParseError(
          file,
          record.line,
          `expected the header "${columns.join(",")}", found "${clip(record.fields.join(","))}"`,
        );
      }
      continue;
    }
    if (record.fields.length !== columns.length) {
      throw new MovieLensParseError(
        file,
        record.line,
        `expected ${columns.length} fields (${columns.join(", ")}), found ${record.fields.length}: "${clip(record.fields.join(","))}"`,
      );
    }
    yield record;
  }
}

export function positiveId(file: string, line: number, name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value) || /^0+$/.test(value)) {
    throw new MovieLensParseError(file, line, `${name} "${clip(value)}" is not a positive integer`);
  }
  return Number(value);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
