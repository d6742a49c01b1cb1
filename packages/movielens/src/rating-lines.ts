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
  const scan = new ByteScanner();
  const size = onProgress ? (await stat(file)).size : 0;
  let needHeader = format.header !== null;
  let sawBytes = false;
  let rows = 0;

  try {
    for await (const block of lineBlocks(file, onProgress && ((bytes) => onProgress(bytes, size)))) {
      sawBytes = true;
      scan.block = block;
      scan.pos = 0;
      if (needHeader) {
        needHeader = false;
        scan.line++;
        const end = block.indexOf(NL);
        const text = block.toString("utf8", 0, end < 0 ? block.length : end).replace(/\r$/, "");
        if (text !== format.header) {
          throw new MovieLensParseError(
            file,
            1,
            `expected the header "${format.header}", found "${clip(text)}"`,
          );
        }
        scan.pos = end < 0 ? block.length : end + 1;
      }
      const batch: Rating[] = [];
      const bad = parseRatingLines(scan, sep, batch);
      if (bad >= 0) {
        const end = block.indexOf(NL, bad);
        const text = block.toString("latin1", bad, end < 0 ? block.length : end).replace(/\r$/, "");
        throw new MovieLensParseError(file, scan.line, explainRatingLine(text, format.separator));
      }
      rows += batch.length;
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new MovieLensParseError(
        file,
        scan.line + 1,
        "line longer than 1 MiB: this is not a ratings file",
      );
    }
    throw err;
  }
  if (!sawBytes) throw new MovieLensParseError(file, 1, "file is empty");
  if (rows === 0) throw new MovieLensParseError(file, scan.line, "no ratings in the file");
}

const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Parses the lines from the cursor to the end of its block into `out`, counting lines in `scan.line`.
 * Returns the offset of the first line that does not scan, or -1. A plain function rather than part of
 * the async generator, so that the optimising compiler treats the hot loop as an ordinary loop.
 */
function parseRatingLines(scan: ByteScanner, sep: Buffer, out: Rating[]): number {
  const n = scan.block.length;
  while (scan.pos < n) {
    scan.line++;
    const start = scan.pos;
    if (scan.skipLineEnd()) continue; // blank line
    const userId = scan.uint();
    if (scan.digits === 0 || scan.digits > MAX_DIGITS || !scan.skip(sep)) return start;
    const movieId = scan.uint();
    if (scan.digits === 0 || scan.digits > MAX_DIGITS || !scan.skip(sep)) return start;
    let rating = scan.uint();
    if (scan.digits === 0) return start;
    if (scan.next() === DOT) {
      scan.pos++;
      const fraction = scan.uint();
      if (scan.digits === 0) return start;
      rating += fraction / POW10[scan.digits]; // more digits than POW10 holds give NaN, rejected below
    }
    if (!scan.skip(sep)) return start;
    const timestamp = scan.uint();
    if (scan.digits === 0 || scan.digits > MAX_DIGITS || !(scan.skipLineEnd() || scan.pos === n))
      return start;
    if (userId === 0 || movieId === 0 || !(rating >= 0.5 && rating <= 5) || (rating * 2) % 1 !== 0)
      return start;
    out.push({ userId, movieId, rating, timestamp });
  }
  return -1;
}

/** A cursor over one block of bytes for the fast path: integers, separators, line ends. */
class ByteScanner {
  block: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Lines begun so far in the file. */
  line = 0;
  /** How many digits the last `uint()` read. */
  digits = 0;

  next(): number {
    return this.block[this.pos];
  }

  /** An unsigned decimal integer at the cursor (0 with `digits` 0 when there is none). */
  uint(): number {
    const b = this.block;
    const from = this.pos;
    let i = from;
    let value = 0;
    for (; i < b.length; i++) {
      const c = b[i];
      if (c < DIGIT_0 || c > DIGIT_9) break;
      value = value * 10 + c - DIGIT_0;
    }
    this.digits = i - from;
    this.pos = i;
    return value;
  }

  /** Consumes `sep` if it is at the cursor. */
  skip(sep: Buffer): boolean {
    const b = this.block;
    for (let k = 0; k < sep.length; k++) if (b[this.pos + k] !== sep[k]) return false;
    this.pos += sep.length;
    return true;
  }

  /** Consumes "\n" or "\r\n" if it is at the cursor. */
  skipLineEnd(): boolean {
    const b = this.block;
    if (b[this.pos] === NL) {
      this.pos++;
      return true;
    }
    if (b[this.pos] === CR && b[this.pos + 1] === NL) {
      this.pos += 2;
      return true;
    }
    return false;
  }
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
