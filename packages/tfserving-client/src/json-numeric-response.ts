/**
 * A fast path for the predict response a ranking call almost always gets: one float output as nested lists
 * of numbers, `{"outputs": [[0.81], [0.86], …]}` (columnar) or `{"predictions": [[0.81], …]}` (row).
 * JSON.parse builds one JS array per candidate and tensorFromJson copies them flat again: at 800 candidates
 * that was a quarter of the ranking service's CPU. This reads the numbers straight into the tensor.
 *
 * It gives up (undefined) on anything else, or whenever the general path (JSON.parse, then tensorFromJson)
 * might give different floats or a different error: other keys, ragged lists, NaN/Infinity, strings,
 * literals whose double value one multiplication or division cannot compute exactly (json-number.ts).
 */
import { type ScannedNumber, scanExactNumber, skipJsonWhitespace } from "./json-number.js";
import { allocTensor, type Tensor } from "./tensor.js";

const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;

/** Thrown to abandon the fast path; never escapes this module. */
const GIVE_UP = new Error("not a fast-path response");

class Reader {
  pos = 0;
  readonly scanned: ScannedNumber = { value: 0, end: 0, decimal: false };
  constructor(readonly b: Uint8Array) {}

  /** Skips whitespace; the byte that follows. */
  ws(): number {
    this.pos = skipJsonWhitespace(this.b, this.pos);
    return this.b[this.pos];
  }

  /** Skips whitespace, then requires the ASCII `text`. */
  expect(text: string): void {
    this.ws();
    for (let i = 0; i < text.length; i++) if (this.b[this.pos + i] !== text.charCodeAt(i)) throw GIVE_UP;
    this.pos += text.length;
  }

  number(): number {
    if (!scanExactNumber(this.b, this.pos, this.scanned)) throw GIVE_UP;
    this.pos = this.scanned.end;
    return this.scanned.value;
  }
}

/** How many "[" open the value ahead: the rank of a nested list (nothing is consumed). */
function rankAhead(r: Reader): number {
  const at = r.pos;
  let rank = 0;
  while (r.ws() === OPEN) {
    rank++;
    r.pos++;
  }
  r.pos = at;
  return rank;
}

/**
 * The list at `depth` (its "[" next), numbers appended to `values`. A list's length must match the first
 * list seen at the same depth: ragged input is the general path's error to report.
 */
function nestedList(r: Reader, dims: number[], depth: number, values: number[]): void {
  if (r.ws() !== OPEN) throw GIVE_UP;
  r.pos++;
  let n = 0;
  if (r.ws() === CLOSE) r.pos++;
  else
    for (;;) {
      if (depth === dims.length - 1) {
        r.ws();
        values.push(r.number());
      } else nestedList(r, dims, depth + 1, values);
      n++;
      const c = r.ws();
      r.pos++;
      if (c === CLOSE) break;
      if (c !== COMMA) throw GIVE_UP;
    }
  if (dims[depth] === -1) dims[depth] = n;
  else if (dims[depth] !== n) throw GIVE_UP;
}

/**
 * `[[x], [y], …]` at `r.pos`, a model's score column and nearly every ranking response, in one loop with the
 * position in a local: the general walk (nestedList) costs more than twice as much per row. Its length, or
 * -1 with nothing consumed and `values` untouched when the list has any other shape.
 */
function scoreColumn(r: Reader, values: number[]): number {
  const { b, scanned } = r;
  let p = skipJsonWhitespace(b, r.pos);
  if (b[p] !== OPEN) return -1;
  const at = values.length;
  for (;;) {
    p = skipJsonWhitespace(b, p + 1);
    if (b[p] !== OPEN) break;
    p = skipJsonWhitespace(b, p + 1);
    if (!scanExactNumber(b, p, scanned)) break;
    values.push(scanned.value);
    p = skipJsonWhitespace(b, scanned.end);
    if (b[p] !== CLOSE) break;
    p = skipJsonWhitespace(b, p + 1);
    const c = b[p];
    if (c === CLOSE) {
      r.pos = p + 1;
      return values.length - at;
    }
    if (c !== COMMA) break;
  }
  values.length = at;
  return -1;
}

/**
 * The tensor the general path would make of the UTF-8 body `{"<field>": <nested numbers>}`, or undefined
 * when unsure. Only float outputs: they are what rankers return.
 */
export function numericOutputFromJson(
  body: Uint8Array,
  field: "outputs" | "predictions",
  dtype: Tensor["dtype"],
): Tensor | undefined {
  if (dtype !== "DT_FLOAT" && dtype !== "DT_DOUBLE") return undefined;
  const r = new Reader(body);
  const values: number[] = [];
  let dims: number[];
  try {
    r.expect("{");
    r.expect(`"${field}"`);
    r.expect(":");
    const rank = rankAhead(r);
    const rows = rank === 2 ? scoreColumn(r, values) : -1;
    if (rows >= 0) dims = [rows, 1];
    else {
      dims = new Array<number>(rank).fill(-1);
      if (dims.length === 0) return undefined;
      nestedList(r, dims, 0, values);
    }
    r.expect("}");
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
  r.ws();
  if (r.pos !== body.length || dims.includes(0)) return undefined;
  const t = allocTensor(dtype, dims);
  (t.data as Float32Array | Float64Array).set(values);
  return t;
}
