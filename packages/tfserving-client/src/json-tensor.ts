/** Tensors ↔ TF Serving's REST JSON (nested lists), client side. */
import { allocTensor, elementCount, type Tensor } from "./tensor.js";

function leafJson(t: Tensor, i: number): string {
  switch (t.dtype) {
    case "DT_BOOL":
      return t.data[i] ? "true" : "false";
    case "DT_STRING":
      return JSON.stringify(Buffer.from(t.data[i]).toString("utf8"));
    default:
      return String(t.data[i]);
  }
}

/** Elements [offset, offset + prod(dims)) as nested JSON lists shaped `dims` (a bare value for rank 0). */
export function nestedJson(t: Tensor, offset: number, dims: readonly number[]): string {
  if (dims.length === 0) return leafJson(t, offset);
  if (
    dims.length === 1 &&
    t.dtype !== "DT_STRING" &&
    t.dtype !== "DT_BOOL" &&
    offset === 0 &&
    dims[0] === t.data.length
  )
    return `[${(t.data as unknown as { join(s: string): string }).join(",")}]`;
  const inner = dims.slice(1);
  const stride = elementCount(inner);
  const parts: string[] = [];
  for (let i = 0; i < dims[0]; i++) parts.push(nestedJson(t, offset + i * stride, inner));
  return `[${parts.join(",")}]`;
}

/**
 * `[1,2,…]` of int32 values as UTF-8 bytes, digits written straight into the buffer: at 800 candidate ids
 * per column, `Int32Array.join` (a string per number, then the whole text encoded again) took twice as long.
 */
export function int32ListJson(values: Int32Array): Buffer {
  // "-2147483648," is the longest element.
  const b = Buffer.allocUnsafe(values.length * 12 + 2);
  let p = 0;
  b[p++] = 0x5b;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) b[p++] = 0x2c;
    let v = values[i];
    if (v < 0) {
      b[p++] = 0x2d;
      v = -v; // 2^31 for -2^31: still exact, and `>>> 0` below keeps it unsigned
    }
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) >>> 0) digits++;
    p += digits;
    for (let q = p - 1; q >= p - digits; q--) {
      const next = (v / 10) >>> 0;
      b[q] = 0x30 + v - next * 10;
      v = next;
    }
  }
  b[p++] = 0x5d;
  return b.subarray(0, p);
}

/** Parses a response body; TF prints non-finite floats as bare NaN / Infinity, which JSON.parse rejects. */
export function parseTfJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/(?<=[[,:\s])(-?Infinity|NaN)(?=\s*[\],}])/g, '"$1"'));
  }
}

function shapeOf(v: unknown): number[] {
  const dims: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    dims.push(x.length);
    x = x[0];
  }
  return dims;
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new Error(`expected a number, got ${JSON.stringify(v)}`);
}

/** A JSON value (nested lists) as a tensor of `dtype`. */
export function tensorFromJson(v: unknown, dtype: Tensor["dtype"]): Tensor {
  const dims = shapeOf(v);
  const t = allocTensor(dtype, dims);
  const n = elementCount(dims);
  const flat: unknown[] = Array.isArray(v) ? (v as unknown[]).flat(dims.length) : [v];
  if (flat.length !== n)
    throw new Error(`ragged output: shape [${dims.join(",")}] but ${flat.length} values`);
  for (let i = 0; i < n; i++) {
    const x = flat[i];
    switch (t.dtype) {
      case "DT_STRING":
        t.data[i] =
          typeof x === "object" && x !== null && "b64" in x
            ? Buffer.from(String((x as { b64: string }).b64), "base64")
            : Buffer.from(String(x), "utf8");
        break;
      case "DT_BOOL":
        t.data[i] = x ? 1 : 0;
        break;
      case "DT_INT64":
        t.data[i] = BigInt(toNumber(x));
        break;
      default:
        t.data[i] = toNumber(x);
    }
  }
  return t;
}
