/**
 * Wire codecs for bus payloads.
 *
 * `json`: UTF-8 JSON, what `nats req` users type.
 * `columnar`: JSON for the structure, with every long numeric array moved out into a binary column
 * (Int32 when all values are int32, else Float64, little-endian). Feature batches are mostly such arrays,
 * and `JSON.stringify` / `parse` of hundreds of floats costs more than the hop itself
 * (bench/online-services.ts measures both).
 *
 * Columnar layout: byte 0 = 0x01 (JSON never starts with it), u32 LE header length, header JSON
 * `{"v": value, "c": [[kind, length], ...]}` where each moved array is replaced by `{"$c": index}`,
 * then the columns back to back. Decoding yields plain `number[]`, so schemas validate it as JSON.
 * Objects whose only key is `$c` are reserved by this format.
 */

const MAGIC = 0x01;
/** Shorter arrays stay in the JSON header: a column descriptor would cost more than it saves. */
const MIN_COLUMN = 16;

export type CodecName = "json" | "columnar";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Kind = "i" | "f";
interface Column {
  kind: Kind;
  values: number[];
}

function numericKind(a: unknown[]): Kind | null {
  let kind: Kind = "i";
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number") return null;
    if (kind === "i" && (v | 0) !== v) kind = "f";
  }
  return kind;
}

function extract(value: unknown, columns: Column[]): unknown {
  if (Array.isArray(value)) {
    if (value.length >= MIN_COLUMN) {
      const kind = numericKind(value);
      if (kind) {
        columns.push({ kind, values: value as number[] });
        return { $c: columns.length - 1 };
      }
    }
    return value.map((v) => extract(v, columns));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = extract(v, columns);
    return out;
  }
  return value;
}

function restore(value: unknown, columns: number[][]): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], columns);
    return value;
  }
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const ref = o.$c;
    if (typeof ref === "number" && Object.keys(o).length === 1) {
      const col = columns[ref];
      if (!col) throw new Error(`columnar payload refers to missing column ${ref}`);
      return col;
    }
    for (const k of Object.keys(o)) o[k] = restore(o[k], columns);
  }
  return value;
}

function encodeColumnar(value: unknown): Uint8Array {
  const columns: Column[] = [];
  const v = extract(value, columns);
  const header = encoder.encode(JSON.stringify({ v, c: columns.map((c) => [c.kind, c.values.length]) }));
  let size = 5 + header.length;
  for (const c of columns) size += c.values.length * (c.kind === "i" ? 4 : 8);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out[0] = MAGIC;
  dv.setUint32(1, header.length, true);
  out.set(header, 5);
  let off = 5 + header.length;
  for (const c of columns) {
    const vals = c.values;
    if (c.kind === "i") {
      for (let i = 0; i < vals.length; i++, off += 4) dv.setInt32(off, vals[i], true);
    } else {
      for (let i = 0; i < vals.length; i++, off += 8) dv.setFloat64(off, vals[i], true);
    }
  }
  return out;
}

function decodeColumnar(data: Uint8Array): unknown {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 5) throw new Error("columnar payload shorter than its header");
  const headerLength = dv.getUint32(1, true);
  const header = JSON.parse(decoder.decode(data.subarray(5, 5 + headerLength))) as {
    v: unknown;
    c: [Kind, number][];
  };
  let off = 5 + headerLength;
  const columns: number[][] = [];
  for (const [kind, length] of header.c) {
    const width = kind === "i" ? 4 : 8;
    if (off + length * width > data.byteLength) throw new Error("columnar payload truncated");
    const col = new Array<number>(length);
    if (kind === "i") {
      for (let i = 0; i < length; i++, off += 4) col[i] = dv.getInt32(off, true);
    } else {
      for (let i = 0; i < length; i++, off += 8) col[i] = dv.getFloat64(off, true);
    }
    columns.push(col);
  }
  return restore(header.v, columns);
}

/** Encodes a payload with the named codec. */
export function encodePayload(value: unknown, codec: CodecName): Uint8Array {
  return codec === "columnar" ? encodeColumnar(value) : encoder.encode(JSON.stringify(value));
}

/**
 * Decodes either codec (the first byte tells them apart), so a service answers `nats req` JSON and
 * columnar callers alike. An empty payload decodes to `{}`. Throws on malformed input.
 */
export function decodePayload(data: Uint8Array): unknown {
  if (data.byteLength === 0) return {};
  if (data[0] === MAGIC) return decodeColumnar(data);
  return JSON.parse(decoder.decode(data));
}
