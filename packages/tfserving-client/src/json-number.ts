/**
 * Exact powers of ten: for m < 2^53 and k ≤ 22, m·10^k or m / 10^k is one correctly rounded operation on exact
 * operands, so it gives the double Number(text) gives.
 */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT = 2 ** 53;

/** Where scanExactNumber puts its answer (one object reused per scan: no allocation per number). */
export interface ScannedNumber {
  value: number;
  /** Position just past the literal. */
  end: number;
  /** Written with a fraction or an exponent. */
  decimal: boolean;
}

/**
 * Reads the JSON number literal at `b[pos]` for the JSON fast paths of client and server. False when there is
 * none, or when its double is not certain to equal Number(literal): a mantissa of 2^53 or more (digits past
 * that accumulate inexactly) or a decimal exponent beyond ±22 (the power itself is inexact).
 */
export function scanExactNumber(b: Uint8Array, pos: number, out: ScannedNumber): boolean {
  let p = pos;
  let c = b[p];
  const negative = c === 0x2d;
  if (negative) c = b[++p];
  let mantissa = 0;
  let scale = 0;
  let decimal = false;
  if (c === 0x30) c = b[++p];
  else if (c >= 0x31 && c <= 0x39) {
    do {
      mantissa = mantissa * 10 + (c - 0x30);
      c = b[++p];
    } while (c >= 0x30 && c <= 0x39);
  } else return false;
  if (c === 0x2e) {
    decimal = true;
    c = b[++p];
    if (!(c >= 0x30 && c <= 0x39)) return false;
    do {
      mantissa = mantissa * 10 + (c - 0x30);
      scale--;
      c = b[++p];
    } while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    decimal = true;
    c = b[++p];
    const expNegative = c === 0x2d;
    if (c === 0x2b || c === 0x2d) c = b[++p];
    if (!(c >= 0x30 && c <= 0x39)) return false;
    let exp = 0;
    do {
      exp = exp * 10 + (c - 0x30);
      if (exp > 400) return false;
      c = b[++p];
    } while (c >= 0x30 && c <= 0x39);
    scale += expNegative ? -exp : exp;
  }
  if (mantissa >= MAX_EXACT || scale < -22 || scale > 22) return false;
  const v = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
  out.value = negative ? -v : v;
  out.end = p;
  out.decimal = decimal;
  return true;
}

/** The position of the first byte at or after `pos` that is not JSON whitespace. */
export function skipJsonWhitespace(b: Uint8Array, pos: number): number {
  let p = pos;
  let c = b[p];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
  return p;
}
