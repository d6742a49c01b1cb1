import { join } from "node:path";
import { MovieLensParseError } from "../errors.js";
import { GENRES } from "../genres.js";
import { clip, readRatingBatches } from "../rating-lines.js";
import { titleYear } from "../title.js";
import type { Movie, ProgressFn, Rating } from "../types.js";
import { latin1Lines } from "./ml-1m.js";
import { positiveId } from "./ml-latest.js";

/** ml-100k: u.data (tab-separated ratings), u.item (pipe-separated movies with 19 genre flags), Latin-1. */
export const ML_100K_FILES = { movies: "u.item", ratings: "u.data" } as const;

/**
 * The order of u.item's genre flags (u.genre): "unknown" (no genres), then the ml-latest genres in the
 * same alphabetical order, without IMAX, which ml-100k predates.
 */
const FLAG_GENRES: Array<string | null> = [null, ...GENRES.filter((g) => g !== "IMAX")];
const FIELDS_BEFORE_FLAGS = 5;

export function readMl100kRatings(dir: string, onProgress?: ProgressFn): AsyncGenerator<Rating[]> {
  return readRatingBatches(join(dir, ML_100K_FILES.ratings), { separator: "\t", header: null }, onProgress);
}

/**
 * u.item: `id|title|release date|video release date|IMDb URL|19 flags`. The year comes from the title, or
 * from the release date ("01-Jan-1995") when the title has none.
 */
export async function* readMl100kMovies(dir: string): AsyncGenerator<Movie> {
  const file = join(dir, ML_100K_FILES.movies);
  let rows = 0;
  for await (const { text, line } of latin1Lines(file)) {
    const fields = text.split("|");
    if (fields.length !== FIELDS_BEFORE_FLAGS + FLAG_GENRES.length) {
      throw new MovieLensParseError(
        file,
        line,
        `expected ${FIELDS_BEFORE_FLAGS + FLAG_GENRES.length} "|"-separated fields (id, title, dates, URL, 19 genre flags), found ${fields.length}: "${clip(text)}"`,
      );
    }
    const genres: string[] = [];
    for (let g = 0; g < FLAG_GENRES.length; g++) {
      const flag = fields[FIELDS_BEFORE_FLAGS + g];
      if (flag !== "0" && flag !== "1") {
        throw new MovieLensParseError(file, line, `genre flag ${g + 1} is "${clip(flag)}", expected 0 or 1`);
      }
      const genre = FLAG_GENRES[g];
      if (flag === "1" && genre !== null) genres.push(genre);
    }
    const title = fields[1].trim();
    if (title === "") throw new MovieLensParseError(file, line, "empty title");
    const dateYear = /^\d{2}-[A-Za-z]{3}-(\d{4})$/.exec(fields[2]);
    rows++;
    yield {
      movieId: positiveId(file, line, "movie id", fields[0]),
      title,
      genres,
      releaseYear: titleYear(title) ?? (dateYear ? Number(dateYear[1]) : null),
    };
  }
  if (rows === 0) throw new MovieLensParseError(file, 1, "file is empty");
}
