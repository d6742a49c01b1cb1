/**
 * A fast path for the predict bodies clients send almost always, read straight from the bytes into columns
 * of numbers without building a JSON tree:
 *
 *   {"inputs": {"a": [1, 2, …], "b": [3, 4, …]}}                        (flat number lists)
 *   {"instances": [{"a": 1, "b": 3}, {"a": 2, "b": 4}, …]}               (one number per input)
 *   either with "signature_name": "<plain string>"
 *
 * It gives up (undefined) on anything else, or whenever it is unsure that the TF-faithful path
 * (json-request.ts) would produce the very same tensors: other shapes, escapes, duplicate keys, instances
 * with differing keys, literals with a mantissa of 2^53 or more, decimals JS cannot convert exactly by one
 * multiplication or division, NaN/Infinity, values of the wrong kind for the dtype. The caller then runs
 * the faithful path, which also reports every error with TF's message.
 */
import type { TensorSpec } from "@wren/onnx";
import {
  allocTensor,
  type ScannedNumber,
  scanExactNumber,
  skipJsonWhitespace,
  type Tensor,
} from "@wren/tfserving-client";
import type { ConvertedRequest, JsonFormat } from "./json-request.js";

interface Column {
  key: string;
  bytes: Uint8Array;
  values: number[];
  /** Some literal was written with a fraction or exponent: not acceptable for integer inputs. */
  decimal: boolean;
}

export interface FastBody {
  format: JsonFormat;
  /** "" when absent. */
  signatureName: string;
  columns: Column[];
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
/** At most 31 inputs: each object's keys are tracked in a bit mask. */
const MAX_COLUMNS = 31;

/** Thrown to abandon the fast path; never escapes this module. */
const GIVE_UP = new Error("not a fast-path body");

class Scanner {
  pos = 0;
  /** End of the string plainString() read last. */
  end = 0;
  decimal = false;
  private readonly scanned: ScannedNumber = { value: 0, end: 0, decimal: false };

  constructor(readonly b: Uint8Array) {}

  ws(): void {
    this.pos = skipJsonWhitespace(this.b, this.pos);
  }

  /** Skips whitespace, then requires byte `c`. */
  expect(c: number): void {
    this.ws();
    if (this.b[this.pos] !== c) throw GIVE_UP;
    this.pos++;
  }

  /** Skips whitespace; consumes `c` when it is next. */
  accept(c: number): boolean {
    this.ws();
    if (this.b[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  /** A string of printable ASCII without escapes: its [start, end) byte range. */
  plainString(): number {
    this.expect(QUOTE);
    const b = this.b;
    let p = this.pos;
    for (;;) {
      const c = b[p];
      if (c === QUOTE) break;
      if (!(c >= 0x20 && c < 0x7f) || c === 0x5c) throw GIVE_UP;
      p++;
    }
    const start = this.pos;
    this.end = p;
    this.pos = p + 1;
    return start;
  }

  text(start: number): string {
    return Buffer.from(this.b.buffer, this.b.byteOffset + start, this.end - start).toString("latin1");
  }

  /** Whether the string plainString() read last (from `start`) has the bytes of `key`. */
  same(start: number, key: Uint8Array): boolean {
    const len = this.end - start;
    if (len !== key.length) return false;
    const b = this.b;
    for (let i = 0; i < len; i++) if (b[start + i] !== key[i]) return false;
    return true;
  }

  /** A new column for the key that comes next; a key seen before, or too many, give up. */
  column(columns: Column[]): Column {
    const start = this.plainString();
    if (columns.length === MAX_COLUMNS || columns.some((c) => this.same(start, c.bytes))) throw GIVE_UP;
    const column: Column = {
      key: this.text(start),
      bytes: this.b.slice(start, this.end),
      values: [],
      decimal: false,
    };
    columns.push(column);
    return column;
  }

  /**
   * The numbers of a list up to and including its `]`. Plain integers (ids, the usual content) are read in
   * this loop; anything else goes through number().
   */
  numberList(values: number[]): void {
    const b = this.b;
    for (;;) {
      this.ws();
      let p = this.pos;
      let c = b[p];
      const negative = c === 0x2d;
      if (negative) c = b[++p];
      let v = c - 0x30;
      // 1–15 digits, no leading zero: exact as a double.
      if (v >= 1 && v <= 9) {
        const start = p;
        c = b[++p];
        while (c >= 0x30 && c <= 0x39) {
          v = v * 10 + (c - 0x30);
          c = b[++p];
        }
        if (c !== 0x2e && c !== 0x65 && c !== 0x45 && p - start <= 15) {
          values.push(negative ? -v : v);
          this.pos = p;
        } else values.push(this.number());
      } else values.push(this.number());
      this.ws();
      c = b[this.pos++];
      if (c === CLOSE_ARRAY) return;
      if (c !== COMMA) throw GIVE_UP;
    }
  }

  /** A JSON number whose double value JS computes exactly as Number(text) would; sets `decimal`. */
  number(): number {
    this.ws();
    if (!scanExactNumber(this.b, this.pos, this.scanned)) throw GIVE_UP;
    this.pos = this.scanned.end;
    if (this.scanned.decimal) this.decimal = true;
    return this.scanned.value;
  }
}

/** `{"a": [numbers], …}`: one column per key, in order; duplicate keys give up. */
function scanColumns(s: Scanner): Column[] {
  const columns: Column[] = [];
  s.expect(OPEN_OBJECT);
  do {
    const column = s.column(columns);
    s.expect(COLON);
    s.expect(OPEN_ARRAY);
    s.decimal = false;
    s.numberList(column.values);
    column.decimal = s.decimal;
  } while (s.accept(COMMA));
  s.expect(CLOSE_OBJECT);
  return columns;
}

/** `[{"a": number, "b": number}, …]`: every object has the first one's keys, once each, in any order. */
function scanInstances(s: Scanner): Column[] {
  const columns: Column[] = [];
  s.expect(OPEN_ARRAY);
  // The first object names the columns.
  s.expect(OPEN_OBJECT);
  do {
    const column = s.column(columns);
    s.expect(COLON);
    s.decimal = false;
    column.values.push(s.number());
    column.decimal = s.decimal;
  } while (s.accept(COMMA));
  s.expect(CLOSE_OBJECT);
  const all = 2 ** columns.length - 1;
  while (s.accept(COMMA)) {
    s.expect(OPEN_OBJECT);
    let seen = 0;
    let k = 0;
    do {
      const start = s.plainString();
      // Keys usually come in the first object's order: try the next one first.
      if (k >= columns.length || !s.same(start, columns[k].bytes)) {
        k = columns.findIndex((c) => s.same(start, c.bytes));
        if (k < 0) throw GIVE_UP;
      }
      const bit = 2 ** k;
      if (seen & bit) throw GIVE_UP;
      seen |= bit;
      s.expect(COLON);
      const column = columns[k++];
      s.decimal = false;
      column.values.push(s.number());
      if (s.decimal) column.decimal = true;
    } while (s.accept(COMMA));
    s.expect(CLOSE_OBJECT);
    if (seen !== all) throw GIVE_UP;
  }
  s.expect(CLOSE_ARRAY);
  return columns;
}
/** Reads the body if it has one of the fast shapes; undefined otherwise. */
export function scanPredictBody(body: Uint8Array): FastBody | undefined {
  const s = new Scanner(body);
  try {
    let format: JsonFormat | undefined;
    let signatureName: string | undefined;
    let columns: Column[] = [];
    s.expect(OPEN_OBJECT);
    do {
      const start = s.plainString();
      s.expect(COLON);
      if (s.same(start, SIGNATURE_NAME) && signatureName === undefined) {
        signatureName = s.text(s.plainString());
      } else if (s.same(start, INPUTS) && format === undefined) {
        format = "columnar";
        columns = scanColumns(s);
      } else if (s.same(start, INSTANCES) && format === undefined) {
        format = "row";
        columns = scanInstances(s);
      } else throw GIVE_UP;
    } while (s.accept(COMMA));
    s.expect(CLOSE_OBJECT);
    // Bytes after the document are ignored, as the faithful parser ignores them.
    if (!format) return undefined;
    return { format, signatureName: signatureName ?? "", columns };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}

const ascii = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const SIGNATURE_NAME = ascii("signature_name");
const INPUTS = ascii("inputs");
const INSTANCES = ascii("instances");

/**
 * The tensors the faithful path would build from the scanned body for these signature inputs, or
 * undefined when a column does not fit its input exactly (the faithful path then says why).
 */
export function fastInputs(body: FastBody, specs: Record<string, TensorSpec>): ConvertedRequest | undefined {
  const aliases = Object.keys(specs);
  if (aliases.length !== body.columns.length) return undefined;
  const inputs = new Map<string, Tensor>();
  for (const alias of aliases) {
    const column = body.columns.find((c) => c.key === alias);
    if (!column) return undefined;
    const t = toTensor(column, specs[alias]);
    if (!t) return undefined;
    inputs.set(alias, t);
  }
  return { format: body.format, inputs };
}

function toTensor({ values, decimal }: Column, spec: TensorSpec): Tensor | undefined {
  const n = values.length;
  const t = allocTensor(spec.dtype, [n]);
  switch (t.dtype) {
    case "DT_INT32": {
      if (decimal) return undefined;
      const out = t.data;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if ((v | 0) !== v) return undefined;
        out[i] = v;
      }
      return t;
    }
    case "DT_INT64":
      if (decimal) return undefined;
      for (let i = 0; i < n; i++) t.data[i] = BigInt(values[i]);
      return t;
    case "DT_FLOAT":
    case "DT_DOUBLE":
      t.data.set(values);
      return t;
    default:
      return undefined;
  }
}
