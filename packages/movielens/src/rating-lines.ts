import { stat } from "node:fs/promises";
import { MovieLensParseError } from "./errors.js";
import { LineTooLongError, lineBlocks } from "./line-blocks.js";
import type { ProgressFn, Rating } from "./types.js";

/** How one format writes a rating line: `userId<sep>movieId<sep>rating<sep>timestamp`. */
export interface RatingLineFormat {
  /** "," (ratings.csv), "::" (ratings.dat) or "\t" (u.data). */
  separator: string;
  /** The exact first line, or null for headerless files. */
  header: string | null;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const NL = 10;
const CR = 13;
const DOT = 46;
/** Ids and timestamps longer than this are not what MovieLens writes (and would lose precision). */
const MAX_DIGITS = 15;

/**
 * Ratings in file order, in batches of one read block (~1 MiB). A hand-written scanner over the bytes:
 * no per-line string, split or regex on the fast path. Only a line that fails the scan is decoded, to
 * explain in the error what is wrong with it.
 */
export async function* readRatingBatches(
  file: string,
  format: RatingLineFormat,
  onProgress?: ProgressFn,
): AsyncGenerator<Rating[]> {
  const sep = Buffer.from(format.separator, "latin1");
  const sep0 = sep[0];
  const sepLen = sep.length;
  const size = onProgress ? (await stat(file)).size : 0;
  let line = 0;
  let needHeader = format.header !== null;
  let sawBytes = false;
  let rows = 0;

  const fail = (block: Buffer, start: number): never => {
    const end = block.indexOf(NL, start);
    const text = block.toString("latin1", start, end < 0 ? block.length : end).replace(/\r$/, "");
    throw new MovieLensParseError(file, line, explainRatingLine(text, format.separator));
  };

  try {
    for await (const block of lineBlocks(file, onProgress && ((bytes) => onProgress(bytes, size)))) {
      sawBytes = true;
      const n = block.length;
      let i = 0;
      if (needHeader) {
        needHeader = false;
        line++;
        const end = block.indexOf(NL);
        const text = block.toString("utf8", 0, end < 0 ? n : end).replace(/\r$/, "");
        if (text !== format.header) {
          throw new MovieLensParseError(
            file,
            line,
            `expected the header "${format.header}", found "${clip(text)}"`,
          );
        }
        i = end < 0 ? n : end + 1;
      }
      const batch: Rating[] = [];
      while (i < n) {
        line++;
        const start = i;
        let c = block[i];
        if (c === NL) {
          i++; // blank line
          continue;
        }
        if (c === CR && block[i + 1] === NL) {
          i += 2;
          continue;
        }
        let d = i;
        let userId = 0;
        for (; i < n; i++) {
          c = block[i];
          if (c < DIGIT_0 || c > DIGIT_9) break;
          userId = userId * 10 + c - DIGIT_0;
        }
        if (i === d || i - d > MAX_DIGITS || c !== sep0 || (sepLen === 2 && block[i + 1] !== sep[1]))
          fail(block, start);
        i += sepLen;
        d = i;
        let movieId = 0;
        for (; i < n; i++) {
          c = block[i];
          if (c < DIGIT_0 || c > DIGIT_9) break;
          movieId = movieId * 10 + c - DIGIT_0;
        }
        if (i === d || i - d > MAX_DIGITS || c !== sep0 || (sepLen === 2 && block[i + 1] !== sep[1]))
          fail(block, start);
        i += sepLen;
        d = i;
        let rating = 0;
        for (; i < n; i++) {
          c = block[i];
          if (c < DIGIT_0 || c > DIGIT_9) break;
          rating = rating * 10 + c - DIGIT_0;
        }
        if (i === d) fail(block, start);
        if (c === DOT) {
          i++;
          d = i;
          let frac = 0;
          let scale = 1;
          for (; i < n; i++) {
            c = block[i];
            if (c < DIGIT_0 || c > DIGIT_9) break;
            frac = frac * 10 + c - DIGIT_0;
            scale *= 10;
          }
          if (i === d) fail(block, start);
          rating += frac / scale;
        }
        if (c !== sep0 || (sepLen === 2 && block[i + 1] !== sep[1])) fail(block, start);
        i += sepLen;
        d = i;
        let timestamp = 0;
        for (; i < n; i++) {
          c = block[i];
          if (c < DIGIT_0 || c > DIGIT_9) break;
          timestamp = timestamp * 10 + c - DIGIT_0;
        }
        if (i === d || i - d > MAX_DIGITS) fail(block, start);
        if (i < n && block[i] === CR) i++;
        if (i < n && block[i] !== NL) fail(block, start);
        i++;
        if (userId === 0 || movieId === 0 || !(rating >= 0.5 && rating <= 5) || (rating * 2) % 1 !== 0) {
          fail(block, start);
        }
        batch.push({ userId, movieId, rating, timestamp });
      }
      rows += batch.length;
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new MovieLensParseError(file, line + 1, "line longer than 1 MiB: this is not a ratings file");
    }
    throw err;
  }
  if (!sawBytes) throw new MovieLensParseError(file, 1, "file is empty");
  if (rows === 0) throw new MovieLensParseError(file, line, "no ratings in the file");
}

/** Why a rating line failed the fast scan, in words a user can act on. */
export function explainRatingLine(text: string, separator: string): string {
  const shown = `"${clip(text)}"`;
  const fields = text.split(separator);
  if (fields.length !== 4) {
    return `expected 4 fields (userId, movieId, rating, timestamp) separated by ${JSON.stringify(separator)}, found ${fields.length}: ${shown}`;
  }
  const [userId, movieId, rating, timestamp] = fields;
  for (const [name, value] of [
    ["userId", userId],
    ["movieId", movieId],
  ]) {
    if (!/^\d+$/.test(value) || /^0+$/.test(value))
      return `${name} "${value}" is not a positive integer: ${shown}`;
    if (value.length > MAX_DIGITS) return `${name} "${value}" is too large: ${shown}`;
  }
  const r = Number(rating);
  if (rating.trim() === "" || Number.isNaN(r)) return `rating "${rating}" is not a number: ${shown}`;
  if (r < 0.5 || r > 5) return `rating ${rating} is outside 0.5–5: ${shown}`;
  if ((r * 2) % 1 !== 0) return `rating ${rating} is not a multiple of 0.5: ${shown}`;
  if (!/^\d+(\.\d+)?$/.test(rating)) return `rating "${rating}" is not written as digits[.digits]: ${shown}`;
  if (!/^\d+$/.test(timestamp)) return `timestamp "${timestamp}" is not a whole number of seconds: ${shown}`;
  if (timestamp.length > MAX_DIGITS) return `timestamp "${timestamp}" is too large: ${shown}`;
  return `malformed row: ${shown}`;
}

export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
