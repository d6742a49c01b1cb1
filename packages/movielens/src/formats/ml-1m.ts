import { join } from "node:path";
import { MovieLensParseError } from "../errors.js";
import { normaliseGenre } from "../genres.js";
import { LineTooLongError, lineBlocks } from "../line-blocks.js";
import { clip, readRatingBatches } from "../rating-lines.js";
import { titleYear } from "../title.js";
import type { Movie, ProgressFn, Rating } from "../types.js";
import { positiveId } from "./ml-latest.js";

/** ml-1m: "::"-separated, Latin-1, no headers; users.dat is not needed. */
export const ML_1M_FILES = { movies: "movies.dat", ratings: "ratings.dat" } as const;

export function readMl1mRatings(dir: string, onProgress?: ProgressFn): AsyncGenerator<Rating[]> {
  return readRatingBatches(join(dir, ML_1M_FILES.ratings), { separator: "::", header: null }, onProgress);
}

/** movies.dat: `MovieID::Title::Genres`. */
export async function* readMl1mMovies(dir: string): AsyncGenerator<Movie> {
  const file = join(dir, ML_1M_FILES.movies);
  let rows = 0;
  for await (const { text, line } of latin1Lines(file)) {
    const first = text.indexOf("::");
    const last = text.lastIndexOf("::");
    if (first < 0 || last === first) {
      throw new MovieLensParseError(file, line, `expected MovieID::Title::Genres, found "${clip(text)}"`);
    }
    const title = text.slice(first + 2, last).trim();
    if (title === "") throw new MovieLensParseError(file, line, "empty title");
    const genreText = text.slice(last + 2);
    const genres =
      genreText === "" || genreText === "(no genres listed)" ? [] : genreText.split("|").map(normaliseGenre);
    rows++;
    yield {
      movieId: positiveId(file, line, "MovieID", text.slice(0, first)),
      title,
      genres,
      releaseYear: titleYear(title),
    };
  }
  if (rows === 0) throw new MovieLensParseError(file, 1, "file is empty");
}

/** Non-blank lines of a Latin-1 file with their line numbers. */
export async function* latin1Lines(file: string): AsyncGenerator<{ text: string; line: number }> {
  let line = 0;
  try {
    for await (const block of lineBlocks(file)) {
      for (const raw of block.toString("latin1").split("\n")) {
        line++;
        const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (text !== "") yield { text, line };
      }
      if (block[block.length - 1] === 10) line--; // the "" after a final "\n" is not a line
    }
  } catch (err) {
    if (err instanceof LineTooLongError)
      throw new MovieLensParseError(file, line + 1, "line longer than 1 MiB");
    throw err;
  }
}
