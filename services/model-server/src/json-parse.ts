/**
 * A JSON parser for predict bodies that keeps what TF Serving's rapidjson keeps and JSON.parse loses:
 * whether a number was written as an integer (`6`) or a decimal (`6.0`, `1e3`), since int inputs reject
 * decimals. It also accepts NaN/Infinity (kParseNanAndInfFlag), stops after the first value, keeps object
 * keys in order with duplicates, and reports errors with rapidjson's wording and byte offset.
 *
 * Value model: arrays are JS arrays; objects are JsonObject; strings are JS strings; integer literals are
 * JS numbers (JsonBigInt beyond ±2^53); decimal literals are JS numbers unless integral, then JsonDecimal.
 * So `typeof v === "number" && Number.isInteger(v)` means "written as an integer".
 */

export class JsonObject {
  constructor(
    readonly keys: string[],
    readonly values: JsonValue[],
  ) {}

  /** The first member with this key (rapidjson FindMember). */
  get(key: string): JsonValue | undefined {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }
}

/** A decimal literal whose value is integral, e.g. `6.0` or `1e3`. */
export class JsonDecimal {
  constructor(readonly value: number) {}
}

/** An integer literal outside the safe-integer range; `text` is its literal digits. */
export class JsonBigInt {
  constructor(
    readonly value: bigint,
    readonly text: string,
  ) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonDecimal
  | JsonBigInt
  | JsonValue[]
  | JsonObject;

export class JsonParseError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset: ${offset}`);
  }
}

const MAX_DEPTH = 1000;

/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` → the byte they stand for. */
const SIMPLE_ESCAPES = new Map<number, number>([
  [0x22, 0x22],
  [0x5c, 0x5c],
  [0x2f, 0x2f],
  [0x62, 8],
  [0x66, 12],
  [0x6e, 10],
  [0x72, 13],
  [0x74, 9],
]);

export function parseJson(buf: Uint8Array): JsonValue {
  return new Parser(buf).parseDocument();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly keyCache: Array<{ bytes: Uint8Array; value: string }> = [];

  constructor(private readonly buf: Uint8Array) {}

  parseDocument(): JsonValue {
    this.skipWs();
    if (this.pos >= this.buf.length) throw new JsonParseError("The document is empty.", this.pos);
    // Like TF Serving's parse flags, bytes after the first complete value are ignored.
    return this.parseValue();
  }

  private fail(reason: string, offset = this.pos): never {
    throw new JsonParseError(reason, offset);
  }

  private skipWs(): void {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private parseValue(): JsonValue {
    const c = this.buf[this.pos];
    switch (c) {
      case 0x7b: // {
        return this.parseObject();
      case 0x5b: // [
        return this.parseArray();
      case 0x22: // "
        return this.parseString();
      case 0x74: // t
        return this.literal("true", true);
      case 0x66: // f
        return this.literal("false", false);
      case 0x6e: // n
        return this.literal("null", null);
      case 0x4e: // N
        return this.literal("NaN", Number.NaN);
      case 0x49: // I
        return this.parseInfinity(1);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail("Invalid value.");
    }
  }

  private literal<T>(text: string, value: T): T {
    const start = this.pos;
    for (let i = 0; i < text.length; i++)
      if (this.buf[this.pos + i] !== text.charCodeAt(i)) this.fail("Invalid value.", start);
    this.pos += text.length;
    return value;
  }

  private parseInfinity(sign: number): number {
    const start = this.pos;
    if (this.startsWith("Infinity")) this.pos += 8;
    else if (this.startsWith("Inf")) this.pos += 3;
    else this.fail("Invalid value.", start);
    return sign * Number.POSITIVE_INFINITY;
  }

  private startsWith(text: string): boolean {
    for (let i = 0; i < text.length; i++) if (this.buf[this.pos + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail("The document is nested too deeply.");
  }

  private parseObject(): JsonObject {
    this.enter();
    this.pos++;
    const keys: string[] = [];
    const values: JsonValue[] = [];
    this.skipWs();
    if (this.buf[this.pos] === 0x7d) {
      this.pos++;
      this.depth--;
      return new JsonObject(keys, values);
    }
    for (;;) {
      if (this.buf[this.pos] !== 0x22) this.fail("Missing a name for object member.");
      keys.push(this.parseKey());
      this.skipWs();
      if (this.buf[this.pos] !== 0x3a) this.fail("Missing a colon after a name of object member.");
      this.pos++;
      this.skipWs();
      values.push(this.parseValue());
      this.skipWs();
      const c = this.buf[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
      } else if (c === 0x7d) {
        this.pos++;
        this.depth--;
        return new JsonObject(keys, values);
      } else this.fail("Missing a comma or '}' after an object member.");
    }
  }

  private parseArray(): JsonValue[] {
    this.enter();
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWs();
    if (this.buf[this.pos] === 0x5d) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.parseValue());
      this.skipWs();
      const c = this.buf[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWs();
      } else if (c === 0x5d) {
        this.pos++;
        this.depth--;
        return out;
      } else this.fail("Missing a comma or ']' after an array element.");
    }
  }

  /** Object keys repeat in every instance: reuse the string when the bytes match a recent key. */
  private parseKey(): string {
    const b = this.buf;
    const start = this.pos + 1;
    let end = start;
    while (end < b.length && b[end] !== 0x22 && b[end] !== 0x5c && b[end] < 0x80) end++;
    if (b[end] !== 0x22) return this.parseString();
    const len = end - start;
    for (const k of this.keyCache) {
      if (k.bytes.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++)
        if (k.bytes[i] !== b[start + i]) {
          same = false;
          break;
        }
      if (same) {
        this.pos = end + 1;
        return k.value;
      }
    }
    const value = this.parseString();
    if (this.keyCache.length < 16) this.keyCache.push({ bytes: b.slice(start, end), value });
    return value;
  }

  private parseString(): string {
    const b = this.buf;
    const start = ++this.pos;
    let p = start;
    // Fast path: no escapes.
    while (p < b.length) {
      const c = b[p];
      if (c === 0x22) {
        this.pos = p + 1;
        return Buffer.from(b.buffer, b.byteOffset + start, p - start).toString("utf8");
      }
      if (c === 0x5c || c < 0x20) break;
      p++;
    }
    // Slow path: rebuild the UTF-8 bytes with escapes decoded.
    const bytes: number[] = [];
    for (let i = start; i < p; i++) bytes.push(b[i]);
    while (p < b.length) {
      const c = b[p];
      if (c === 0x22) {
        this.pos = p + 1;
        return Buffer.from(bytes).toString("utf8");
      }
      if (c < 0x20) this.fail("Missing a closing quotation mark in string.", p);
      if (c !== 0x5c) {
        bytes.push(c);
        p++;
        continue;
      }
      const e = b[p + 1];
      const unescaped = SIMPLE_ESCAPES.get(e);
      if (unescaped !== undefined) {
        bytes.push(unescaped);
        p += 2;
        continue;
      }
      if (e !== 0x75) this.fail("Invalid escape character in string.", p);
      let code = this.hex4(p + 2);
      p += 6;
      if (code >= 0xd800 && code <= 0xdbff) {
        if (b[p] !== 0x5c || b[p + 1] !== 0x75) this.fail("The surrogate pair in string is invalid.", p);
        const low = this.hex4(p + 2);
        if (low < 0xdc00 || low > 0xdfff) this.fail("The surrogate pair in string is invalid.", p);
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        p += 6;
      }
      for (const byte of Buffer.from(String.fromCodePoint(code), "utf8")) bytes.push(byte);
    }
    return this.fail("Missing a closing quotation mark in string.", p);
  }

  private hex4(at: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.buf[at + i];
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else return this.fail("Incorrect hex digit after \\u escape in string.", at);
      v = v * 16 + d;
    }
    return v;
  }

  private parseNumber(): number | JsonDecimal | JsonBigInt {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let negative = false;
    if (b[p] === 0x2d) {
      negative = true;
      p++;
      if (b[p] === 0x49) {
        this.pos = p;
        return this.parseInfinity(-1);
      }
    }
    const intStart = p;
    let value = 0;
    if (b[p] === 0x30) p++;
    else if (b[p] >= 0x31 && b[p] <= 0x39) {
      while (b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
    } else this.fail("Invalid value.", start);
    const intDigits = p - intStart;
    let decimal = false;
    if (b[p] === 0x2e) {
      decimal = true;
      p++;
      if (!(b[p] >= 0x30 && b[p] <= 0x39)) this.fail("Miss fraction part in number.", p);
      while (b[p] >= 0x30 && b[p] <= 0x39) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      decimal = true;
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      if (!(b[p] >= 0x30 && b[p] <= 0x39)) this.fail("Miss exponent in number.", p);
      while (b[p] >= 0x30 && b[p] <= 0x39) p++;
    }
    this.pos = p;
    if (!decimal) {
      if (intDigits <= 15) return negative ? -value : value;
      const text = Buffer.from(b.buffer, b.byteOffset + start, p - start).toString("latin1");
      const big = BigInt(text);
      if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER))
        return Number(big);
      return new JsonBigInt(big, text);
    }
    const v = Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString("latin1"));
    if (!Number.isFinite(v)) this.fail("Number too big to be stored in double.", start);
    return Number.isInteger(v) ? new JsonDecimal(v) : v;
  }
}
