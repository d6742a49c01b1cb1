/**
 * Hand-written protobuf codec for the hot path: tensorflow.serving.PredictRequest / PredictResponse with
 * their TensorProto maps (field numbers as in proto/). proto-loader would convert every packed list to a
 * JS array through fromObject/toObject; here packed floats and ints go straight to and from typed arrays.
 */
import protobuf from "protobufjs/minimal.js";
import type { TensorProtoObject } from "./tensor-proto.js";

type Reader = protobuf.Reader;
type Writer = protobuf.Writer;

export interface ModelSpecMessage {
  name: string;
  version?: number;
  versionLabel?: string;
  signatureName: string;
}

export interface PredictRequestMessage {
  modelSpec?: ModelSpecMessage;
  inputs: Map<string, TensorProtoObject>;
  outputFilter: string[];
}

export interface PredictResponseMessage {
  modelSpec?: ModelSpecMessage;
  outputs: Map<string, TensorProtoObject>;
}

const VARINT = 0;
const LEN = 2;

const tag = (w: Writer, field: number, wire: number) => w.uint32((field << 3) | wire);

// ---------- decoding ----------

/** Copies `len` bytes at the reader position into a fresh (aligned) buffer. */
function takeBytes(r: Reader, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(r.buf.subarray(r.pos, r.pos + len));
  r.pos += len;
  return out;
}

function readPackedOrSingle<T extends number>(
  r: Reader,
  wire: number,
  into: number[] | undefined,
  readOne: () => T,
): number[] {
  const list = into ?? [];
  if (wire === LEN) {
    const end = r.uint32() + r.pos;
    while (r.pos < end) list.push(readOne());
  } else list.push(readOne());
  return list;
}

function decodeShape(r: Reader, end: number): NonNullable<TensorProtoObject["tensor_shape"]> {
  const dim: Array<{ size: string; name: string }> = [];
  let unknownRank = false;
  while (r.pos < end) {
    const t = r.uint32();
    if (t >>> 3 === 2 && (t & 7) === LEN) {
      const dEnd = r.uint32() + r.pos;
      let size = "0";
      let name = "";
      while (r.pos < dEnd) {
        const dt = r.uint32();
        if (dt >>> 3 === 1 && (dt & 7) === VARINT) size = r.int64().toString();
        else if (dt >>> 3 === 2 && (dt & 7) === LEN) name = r.string();
        else r.skipType(dt & 7);
      }
      dim.push({ size, name });
    } else if (t >>> 3 === 3 && (t & 7) === VARINT) unknownRank = r.bool();
    else r.skipType(t & 7);
  }
  return { dim, unknown_rank: unknownRank };
}

export function decodeTensorProto(r: Reader, end: number): TensorProtoObject {
  const p: TensorProtoObject = {};
  let floats: number[] | undefined;
  let doubles: number[] | undefined;
  let ints: number[] | undefined;
  let bools: number[] | undefined;
  const int64s: string[] = [];
  const strings: Uint8Array[] = [];
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    switch (field) {
      case 1:
        p.dtype = r.int32();
        break;
      case 2: {
        const len = r.uint32();
        p.tensor_shape = decodeShape(r, r.pos + len);
        break;
      }
      case 3:
        p.version_number = r.int32();
        break;
      case 4:
        p.tensor_content = takeBytes(r, r.uint32());
        break;
      case 5:
        if (wire === LEN && !floats) {
          // Packed little-endian floats: one copy into a Float32Array.
          const bytes = takeBytes(r, r.uint32());
          p.float_val = new Float32Array(bytes.buffer, 0, bytes.length >>> 2);
        } else floats = readPackedOrSingle(r, wire, floats, () => r.float());
        break;
      case 6:
        if (wire === LEN && !doubles) {
          const bytes = takeBytes(r, r.uint32());
          p.double_val = new Float64Array(bytes.buffer, 0, bytes.length >>> 3);
        } else doubles = readPackedOrSingle(r, wire, doubles, () => r.double());
        break;
      case 7:
        ints = readPackedOrSingle(r, wire, ints, () => r.int32());
        break;
      case 8:
        strings.push(takeBytes(r, r.uint32()));
        break;
      case 10:
        if (wire === LEN) {
          const e = r.uint32() + r.pos;
          while (r.pos < e) int64s.push(r.int64().toString());
        } else int64s.push(r.int64().toString());
        break;
      case 11:
        bools = readPackedOrSingle(r, wire, bools, () => (r.bool() ? 1 : 0));
        break;
      default:
        r.skipType(wire);
    }
  }
  if (floats) p.float_val = floats;
  if (doubles) p.double_val = doubles;
  if (ints) p.int_val = ints;
  if (bools) p.bool_val = bools.map(Boolean);
  if (int64s.length) p.int64_val = int64s;
  if (strings.length) p.string_val = strings;
  return p;
}

function decodeModelSpec(r: Reader, end: number): ModelSpecMessage {
  const spec: ModelSpecMessage = { name: "", signatureName: "" };
  while (r.pos < end) {
    const t = r.uint32();
    switch (t >>> 3) {
      case 1:
        spec.name = r.string();
        break;
      case 2: {
        // google.protobuf.Int64Value { int64 value = 1; }
        const e = r.uint32() + r.pos;
        let value = 0;
        while (r.pos < e) {
          const vt = r.uint32();
          if (vt >>> 3 === 1) value = Number(r.int64().toString());
          else r.skipType(vt & 7);
        }
        spec.version = value;
        spec.versionLabel = undefined;
        break;
      }
      case 3:
        spec.signatureName = r.string();
        break;
      case 4:
        spec.versionLabel = r.string();
        spec.version = undefined;
        break;
      default:
        r.skipType(t & 7);
    }
  }
  return spec;
}

/** map<string, TensorProto> entry: { key = 1; value = 2; } */
function decodeTensorEntry(r: Reader, into: Map<string, TensorProtoObject>): void {
  const end = r.uint32() + r.pos;
  let key = "";
  let value: TensorProtoObject = {};
  while (r.pos < end) {
    const t = r.uint32();
    if (t >>> 3 === 1) key = r.string();
    else if (t >>> 3 === 2) {
      const len = r.uint32();
      value = decodeTensorProto(r, r.pos + len);
    } else r.skipType(t & 7);
  }
  into.set(key, value);
}

export function decodePredictRequest(buf: Uint8Array): PredictRequestMessage {
  const r = protobuf.Reader.create(buf);
  const msg: PredictRequestMessage = { inputs: new Map(), outputFilter: [] };
  while (r.pos < r.len) {
    const t = r.uint32();
    switch (t >>> 3) {
      case 1: {
        const len = r.uint32();
        msg.modelSpec = decodeModelSpec(r, r.pos + len);
        break;
      }
      case 2:
        decodeTensorEntry(r, msg.inputs);
        break;
      case 3:
        msg.outputFilter.push(r.string());
        break;
      default:
        r.skipType(t & 7);
    }
  }
  return msg;
}

export function decodePredictResponse(buf: Uint8Array): PredictResponseMessage {
  const r = protobuf.Reader.create(buf);
  const msg: PredictResponseMessage = { outputs: new Map() };
  while (r.pos < r.len) {
    const t = r.uint32();
    switch (t >>> 3) {
      case 1:
        decodeTensorEntry(r, msg.outputs);
        break;
      case 2: {
        const len = r.uint32();
        msg.modelSpec = decodeModelSpec(r, r.pos + len);
        break;
      }
      default:
        r.skipType(t & 7);
    }
  }
  return msg;
}

// ---------- encoding ----------

function rawBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeTensorProto(w: Writer, p: TensorProtoObject): void {
  if (p.dtype) tag(w, 1, VARINT).int32(p.dtype);
  if (p.tensor_shape) {
    tag(w, 2, LEN).fork();
    for (const d of p.tensor_shape.dim ?? []) {
      tag(w, 2, LEN).fork();
      if (Number(d.size ?? 0) !== 0) tag(w, 1, VARINT).int64(Number(d.size));
      if (d.name) tag(w, 2, LEN).string(d.name);
      w.ldelim();
    }
    if (p.tensor_shape.unknown_rank) tag(w, 3, VARINT).bool(true);
    w.ldelim();
  }
  if (p.tensor_content && p.tensor_content.length > 0) tag(w, 4, LEN).bytes(p.tensor_content);
  const fl = p.float_val;
  if (fl && fl.length > 0)
    tag(w, 5, LEN).bytes(fl instanceof Float32Array ? rawBytes(fl) : rawBytes(Float32Array.from(fl)));
  const db = p.double_val;
  if (db && db.length > 0)
    tag(w, 6, LEN).bytes(db instanceof Float64Array ? rawBytes(db) : rawBytes(Float64Array.from(db)));
  const iv = p.int_val;
  if (iv && iv.length > 0) {
    tag(w, 7, LEN).fork();
    for (let i = 0; i < iv.length; i++) w.int32(iv[i]);
    w.ldelim();
  }
  for (const s of Array.from(p.string_val ?? [])) tag(w, 8, LEN).bytes(s);
  const i64 = p.int64_val;
  if (i64 && i64.length > 0) {
    tag(w, 10, LEN).fork();
    for (let i = 0; i < i64.length; i++) w.int64(String(i64[i]));
    w.ldelim();
  }
  const bv = p.bool_val;
  if (bv && bv.length > 0) {
    tag(w, 11, LEN).fork();
    for (let i = 0; i < bv.length; i++) w.bool(Boolean(bv[i]));
    w.ldelim();
  }
}

function encodeModelSpec(w: Writer, field: number, spec: ModelSpecMessage): void {
  tag(w, field, LEN).fork();
  if (spec.name) tag(w, 1, LEN).string(spec.name);
  if (spec.version !== undefined) {
    tag(w, 2, LEN).fork();
    if (spec.version !== 0) tag(w, 1, VARINT).int64(spec.version);
    w.ldelim();
  }
  if (spec.signatureName) tag(w, 3, LEN).string(spec.signatureName);
  if (spec.versionLabel !== undefined && spec.version === undefined) tag(w, 4, LEN).string(spec.versionLabel);
  w.ldelim();
}

function encodeTensorMap(w: Writer, field: number, map: ReadonlyMap<string, TensorProtoObject>): void {
  for (const [key, value] of map) {
    tag(w, field, LEN).fork();
    tag(w, 1, LEN).string(key);
    tag(w, 2, LEN).fork();
    encodeTensorProto(w, value);
    w.ldelim();
    w.ldelim();
  }
}

export function encodePredictRequest(msg: PredictRequestMessage): Uint8Array {
  const w = protobuf.Writer.create();
  if (msg.modelSpec) encodeModelSpec(w, 1, msg.modelSpec);
  encodeTensorMap(w, 2, msg.inputs);
  for (const f of msg.outputFilter) tag(w, 3, LEN).string(f);
  return w.finish();
}

export function encodePredictResponse(msg: PredictResponseMessage): Uint8Array {
  const w = protobuf.Writer.create();
  encodeTensorMap(w, 1, msg.outputs);
  if (msg.modelSpec) encodeModelSpec(w, 2, msg.modelSpec);
  return w.finish();
}
