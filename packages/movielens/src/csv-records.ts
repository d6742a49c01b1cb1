import { MovieLensParseError } from "./errors.js";
import { LineTooLongError, lineBlocks } from "./line-blocks.js";
import { clip } from "./rating-lines.js";

export interface CsvRecord {
  fields: string[];
  /** Line on which the record starts (a quoted field may span lines). */
  line: number;
}

const QUOTE = 34;
const COMMA = 44;
const NL = 10;
const CR = 13;

/**
 * RFC 4180 records of a UTF-8 CSV file, streamed: quoted fields with commas, doubled quotes and line
 * breaks; CRLF or LF line ends; a byte-order mark dropped. Lenient in one way, like Python's csv module
 * (which wrote the MovieLens files): a quote inside an unquoted field is kept as text. Strict in others:
 * text after a closing quote and a quote left open at the end of the file are errors naming the line.
 */
export async function* readCsvRecords(file: string): AsyncGenerator<CsvRecord> {
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  let afterQuote = false;
  let fieldStarted = false;
  let sawBytes = false;
  try {
    for await (const block of lineBlocks(file)) {
      sawBytes = true;
      const text = block.toString("utf8");
      const n = text.length;
      let runStart = 0; // start of plain characters not yet copied into `field`
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (inQuotes) {
          if (c === QUOTE) {
            field += text.slice(runStart, i);
            if (text.charCodeAt(i + 1) === QUOTE) {
              field += '"';
              i++;
            } else {
              inQuotes = false;
              afterQuote = true;
            }
            runStart = i + 1;
          } else if (c === NL) {
            line++;
          }
          continue;
        }
        if (c === COMMA || c === NL) {
          field += text.slice(
            runStart,
            c === NL && text.charCodeAt(i - 1) === CR && i > runStart ? i - 1 : i,
          );
          fields.push(field);
          field = "";
          afterQuote = false;
          fieldStarted = false;
          runStart = i + 1;
          if (c === NL) {
            if (!(fields.length === 1 && fields[0] === "")) yield { fields, line: recordLine };
            fields = [];
            line++;
            recordLine = line;
          }
          continue;
        }
        if (afterQuote && !(c === CR && text.charCodeAt(i + 1) === NL)) {
          throw new MovieLensParseError(
            file,
            line,
            `unexpected ${JSON.stringify(text[i])} after a closing quote (RFC 4180: a quote inside a quoted field is written "")`,
          );
        }
        if (c === QUOTE && !fieldStarted) {
          inQuotes = true;
          runStart = i + 1;
        }
        fieldStarted = true;
      }
      if (runStart < n) field += text.slice(runStart);
    }
  } catch (err) {
    if (err instanceof LineTooLongError) {
      throw new MovieLensParseError(file, line, "line longer than 1 MiB: this is not a MovieLens CSV file");
    }
    throw err;
  }
  if (inQuotes)
    throw new MovieLensParseError(file, recordLine, `quoted field never closed: "${clip(field)}"`);
  if (fieldStarted || fields.length > 0) {
    fields.push(field);
    yield { fields, line: recordLine };
  }
  if (!sawBytes) throw new MovieLensParseError(file, 1, "file is empty");
}
