/**
 * A fast path for the predict response a ranking call almost always gets: one float output as nested lists
 * of numbers, `{"outputs": [[0.81], [0.86], …]}` (columnar) or `{"predictions": [[0.81], …]}` (row).
 * JSON.parse builds one JS array per candidate and tensorFromJson copies them flat again: at 800 candidates
 * that was a quarter of the ranking service's CPU. This reads the numbers straight into the tensor.
 *
 * It gives up (undefined) on anything else, or whenever the general path (JSON.parse, then tensorFromJson)
 * might give different floats or a different error: other keys, ragged lists, NaN/Infinity, strings,
 * literals whose double value one multiplication or division cannot compute exactly.
 */
import { allocTensor, type Tensor } from "./tensor.js";

const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;
/** Exact powers of ten: m·10^k or m / 10^k (m < 2^53, k ≤ 22) is one correctly rounded operation, as Number(text). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT = 2 ** 53;

/** Thrown to abandon the fast path; never escapes this module. */
const GIVE_UP = new Error("not a fast-path response");

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  ws(): number {
    const s = this.s;
    let p = this.pos;
    let c = s.charCodeAt(p);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++p);
    this.pos = p;
    return c;
  }

  expect(text: string): void {
    this.ws();
    if (!this.s.startsWith(text, this.pos)) throw GIVE_UP;
    this.pos += text.length;
  }

  /** A JSON number literal, when JS computes its double exactly as Number(literal) does. */
  number(): number {
    const s = this.s;
    let p = this.pos;
    let c = s.charCodeAt(p);
    const negative = c === 0x2d;
    if (negative) c = s.charCodeAt(++p);
    let mantissa = 0;
    let scale = 0;
    if (c === 0x30) c = s.charCodeAt(++p);
    else if (c >= 0x31 && c <= 0x39) {
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        c = s.charCodeAt(++p);
      } while (c >= 0x30 && c <= 0x39);
    } else throw GIVE_UP;
    if (c === 0x2e) {
      c = s.charCodeAt(++p);
      if (!(c >= 0x30 && c <= 0x39)) throw GIVE_UP;
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        scale--;
        c = s.charCodeAt(++p);
      } while (c >= 0x30 && c <= 0x39);
    }
    if (c === 0x65 || c === 0x45) {
      c = s.charCodeAt(++p);
      const expNegative = c === 0x2d;
      if (c === 0x2b || c === 0x2d) c = s.charCodeAt(++p);
      if (!(c >= 0x30 && c <= 0x39)) throw GIVE_UP;
      let exp = 0;
      do {
        exp = exp * 10 + (c - 0x30);
        if (exp > 400) throw GIVE_UP;
        c = s.charCodeAt(++p);
      } while (c >= 0x30 && c <= 0x39);
      scale += expNegative ? -exp : exp;
    }
    // Past 2^53 the digits were accumulated inexactly; past 10^22 the power itself is inexact.
    if (mantissa >= MAX_EXACT || scale < -22 || scale > 22) throw GIVE_UP;
    this.pos = p;
    const v = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
    return negative ? -v : v;
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
 * The tensor the general path would make of `{"<field>": <nested numbers>}`, or undefined when unsure.
 * Only float outputs: they are what rankers return.
 */
export function numericOutputFromJson(
  text: string,
  field: "outputs" | "predictions",
  dtype: Tensor["dtype"],
): Tensor | undefined {
  if (dtype !== "DT_FLOAT" && dtype !== "DT_DOUBLE") return undefined;
  const r = new Reader(text);
  const values: number[] = [];
  let dims: number[];
  try {
    r.expect("{");
    r.expect(`"${field}"`);
    r.expect(":");
    dims = new Array<number>(rankAhead(r)).fill(-1);
    if (dims.length === 0) return undefined;
    nestedList(r, dims, 0, values);
    r.expect("}");
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
  r.ws();
  if (r.pos !== text.length || dims.includes(0)) return undefined;
  const t = allocTensor(dtype, dims);
  (t.data as Float32Array | Float64Array).set(values);
  return t;
}
