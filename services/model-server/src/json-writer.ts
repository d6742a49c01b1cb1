/**
 * Writes JSON text as bytes into one growing scratch buffer, then copies it out once: the response body
 * never exists as a JS string, so there is no string concatenation and no UTF-8 encoding of ASCII digits.
 * Float32 scores, the common output, get their digits by integer arithmetic.
 */
import { formatDecimal } from "./json-format.js";

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const LOWEST_DECADE = -13;
/** 10^-13 … 10^5, indexed by exponent + 13, each the double its literal parses to. */
const DECADES = Array.from({ length: 19 }, (_, i) => Number(`1e${i + LOWEST_DECADE}`));

/** "00" … "99" as ASCII byte pairs. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) =>
  i & 1 ? 0x30 + ((i >> 1) % 10) : 0x30 + (((i >> 1) / 10) | 0),
);

const MINUS = 0x2d;
const DOT = 0x2e;
const EXPONENT = 0x65;
const ZERO = 0x30;

const SCRATCH_BYTES = 64 * 1024;
const MAX_KEPT_SCRATCH = 4 * 1024 * 1024;
/** One scratch buffer per process: a writer runs synchronously from start to toBuffer(). */
let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

export class JsonWriter {
  private buf = scratch;
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
    scratch = bigger;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Text that is ASCII by construction (numbers, punctuation, JSON.stringify output of ASCII keys). */
  ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  utf8(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /**
   * A float32 as formatDecimal(v, true) writes it. For values in [1e-13, 1e6) (scores, probabilities) the
   * digits come from integer arithmetic: `m / 10^k` is the correctly rounded double of the decimal m·10^-k,
   * just as parsing its text would be, so the round-trip test at 6 digits is exact; 9 digits always
   * round-trip a float32. k stays ≤ 22, where 10^k is exact. Below 1e-4 %g writes an exponent: a sigmoid
   * gives 5% of NeuralCF's scores there, and through formatDecimal they cost as much as the other 95%.
   * Anything else (and a rounding carry into the next decade) takes formatDecimal.
   */
  float32(v: number): void {
    if (!this.float32Digits(v)) this.ascii(formatDecimal(v, true));
  }

  private float32Digits(v: number): boolean {
    const a = v < 0 ? -v : v;
    if (!(a >= 1e-13 && a < 1e6)) return false;
    // 10^e <= a < 10^(e+1), e in [-13, 5]; scores mostly lie just below 1.
    let e = a < 1 ? -1 : 0;
    if (e < 0) while (a < DECADES[e - LOWEST_DECADE]) e--;
    else while (e < 5 && a >= DECADES[e + 1 - LOWEST_DECADE]) e++;
    let k = 5 - e;
    let m = Math.round(a * POW10[k]);
    if (Math.fround(m / POW10[k]) !== a) {
      k = 8 - e;
      m = Math.round(a * POW10[k]);
      if (Math.fround(m / POW10[k]) !== a) return false;
    }
    let digits = k + e + 1;
    if (m >= POW10[digits]) return false;
    // At most 9 digits: int32 arithmetic from here (a double % is a library call).
    let d = m | 0;
    // %g drops trailing zeros of the fraction; whole numbers keep one (".0" is added).
    const keep = e >= 0 ? e + 1 : 1;
    while (digits > keep) {
      const q = (d / 10) | 0;
      if (q * 10 !== d) break;
      d = q;
      digits--;
    }
    this.ensure(digits + 8);
    const b = this.buf;
    let p = this.pos;
    if (v < 0) b[p++] = MINUS;
    let q: number;
    if (e < -4) {
      // d.ddde-XX
      p += digits > 1 ? digits + 1 : 1;
      q = p;
      for (let left = digits; left > 1; left--) {
        const next = (d / 10) | 0;
        b[--q] = ZERO + d - next * 10;
        d = next;
      }
      if (digits > 1) b[--q] = DOT;
      b[--q] = ZERO + d;
      b[p++] = EXPONENT;
      b[p++] = MINUS;
      b[p++] = ZERO + ((-e / 10) | 0);
      b[p++] = ZERO + (-e % 10);
    } else if (e < 0) {
      b[p++] = ZERO;
      b[p++] = DOT;
      for (let z = -1; z > e; z--) b[p++] = ZERO;
      p += digits;
      q = p;
      // Two digits per division: scores below 1 carry up to 9 of them.
      let left = digits;
      for (; left >= 2; left -= 2) {
        const next = (d / 100) | 0;
        const pair = (d - next * 100) << 1;
        b[--q] = DIGIT_PAIRS[pair + 1];
        b[--q] = DIGIT_PAIRS[pair];
        d = next;
      }
      if (left === 1) b[--q] = ZERO + d;
    } else {
      const fraction = digits - (e + 1);
      p += e + 2 + (fraction > 0 ? fraction : 1);
      q = p;
      if (fraction === 0) b[--q] = ZERO;
      for (let i = 0; i < digits; i++) {
        if (i === fraction) b[--q] = DOT;
        const next = (d / 10) | 0;
        b[--q] = ZERO + d - next * 10;
        d = next;
      }
    }
    this.pos = p;
    return true;
  }

  /** The text written so far, in a buffer of its own (the scratch is reused by the next writer). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    // One huge response should not pin its scratch for the life of the process.
    if (scratch.length > MAX_KEPT_SCRATCH) scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
    return out;
  }
}
