/**
 * A minimal protobuf encoder for the subset of onnx.proto that inference graphs need.
 * Field numbers follow onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto.Tensor, TensorShapeProto). Writing them by hand avoids vendoring the whole
 * onnx.proto (and onnx-proto's protobufjs 6) for a handful of messages.
 */
import protobuf from "protobufjs/minimal.js";

type Writer = protobuf.Writer;

/** ONNX TensorProto.DataType values. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
} as const;

export type OnnxDtype = keyof typeof OnnxDataType;

/** AttributeProto.AttributeType values. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorData {
  name: string;
  dtype: OnnxDtype;
  dims: readonly number[];
  /** Little-endian element bytes in row-major order (TensorProto.raw_data). */
  raw: Uint8Array;
}

export type AttributeValue =
  | { kind: "float"; value: number }
  | { kind: "int"; value: number }
  | { kind: "string"; value: string }
  | { kind: "floats"; value: readonly number[] }
  | { kind: "ints"; value: readonly number[] }
  | { kind: "strings"; value: readonly string[] }
  | { kind: "tensor"; value: TensorData };

export interface NodeData {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: ReadonlyArray<[string, AttributeValue]>;
  domain?: string;
}

/** A dimension is a fixed size (>= 0) or a symbolic name (e.g. "batch"); -1 becomes an anonymous symbol. */
export type Dim = number | string;

export interface ValueInfoData {
  name: string;
  dtype: OnnxDtype;
  dims: readonly Dim[];
}

export interface GraphData {
  name: string;
  nodes: readonly NodeData[];
  initializers: readonly TensorData[];
  inputs: readonly ValueInfoData[];
  outputs: readonly ValueInfoData[];
}

export interface ModelData {
  irVersion: number;
  opsets: ReadonlyArray<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
  graph: GraphData;
}

const LEN = 2;
const VARINT = 0;
const FIXED32 = 5;

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

function str(w: Writer, field: number, s: string): void {
  tag(w, field, LEN).string(s);
}

function int64(w: Writer, field: number, v: number): void {
  tag(w, field, VARINT).int64(v);
}

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  tag(w, field, LEN).fork();
  body(w);
  w.ldelim();
}

function writeTensor(w: Writer, t: TensorData): void {
  for (const d of t.dims) int64(w, 1, d);
  tag(w, 2, VARINT).int32(OnnxDataType[t.dtype]);
  str(w, 8, t.name);
  tag(w, 9, LEN).bytes(t.raw);
}

function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  str(w, 1, name);
  switch (a.kind) {
    case "float":
      tag(w, 2, FIXED32).float(a.value);
      tag(w, 20, VARINT).int32(AttributeType.FLOAT);
      break;
    case "int":
      int64(w, 3, a.value);
      tag(w, 20, VARINT).int32(AttributeType.INT);
      break;
    case "string":
      tag(w, 4, LEN).bytes(Buffer.from(a.value, "utf8"));
      tag(w, 20, VARINT).int32(AttributeType.STRING);
      break;
    case "tensor":
      message(w, 5, (m) => writeTensor(m, a.value));
      tag(w, 20, VARINT).int32(AttributeType.TENSOR);
      break;
    case "floats":
      tag(w, 7, LEN).fork();
      for (const v of a.value) w.float(v);
      w.ldelim();
      tag(w, 20, VARINT).int32(AttributeType.FLOATS);
      break;
    case "ints":
      tag(w, 8, LEN).fork();
      for (const v of a.value) w.int64(v);
      w.ldelim();
      tag(w, 20, VARINT).int32(AttributeType.INTS);
      break;
    case "strings":
      for (const v of a.value) tag(w, 9, LEN).bytes(Buffer.from(v, "utf8"));
      tag(w, 20, VARINT).int32(AttributeType.STRINGS);
      break;
  }
}

function writeNode(w: Writer, n: NodeData): void {
  for (const i of n.inputs) str(w, 1, i);
  for (const o of n.outputs) str(w, 2, o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const [name, a] of n.attributes) message(w, 5, (m) => writeAttribute(m, name, a));
  if (n.domain) str(w, 7, n.domain);
}

function writeValueInfo(w: Writer, v: ValueInfoData): void {
  str(w, 1, v.name);
  // TypeProto.tensor_type (1) → TypeProto.Tensor { elem_type (1), shape (2) }
  message(w, 2, (type) =>
    message(type, 1, (tensor) => {
      tag(tensor, 1, VARINT).int32(OnnxDataType[v.dtype]);
      message(tensor, 2, (shape) => {
        v.dims.forEach((d, i) => {
          message(shape, 1, (dim) => {
            if (typeof d === "string") str(dim, 2, d);
            else if (d < 0) str(dim, 2, `${v.name}_dim${i}`);
            else int64(dim, 1, d);
          });
        });
      });
    }),
  );
}

function writeGraph(w: Writer, g: GraphData): void {
  for (const n of g.nodes) message(w, 1, (m) => writeNode(m, n));
  str(w, 2, g.name);
  for (const t of g.initializers) message(w, 5, (m) => writeTensor(m, t));
  for (const v of g.inputs) message(w, 11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) message(w, 12, (m) => writeValueInfo(m, v));
}

/** Serialises an ONNX ModelProto. */
export function encodeModel(model: ModelData): Uint8Array {
  const w = protobuf.Writer.create();
  int64(w, 1, model.irVersion);
  str(w, 2, model.producerName);
  str(w, 3, model.producerVersion);
  if (model.docString) str(w, 6, model.docString);
  message(w, 7, (m) => writeGraph(m, model.graph));
  for (const o of model.opsets)
    message(w, 8, (m) => {
      if (o.domain) str(m, 1, o.domain);
      int64(m, 2, o.version);
    });
  for (const [key, value] of Object.entries(model.metadata ?? {}))
    message(w, 14, (m) => {
      str(m, 1, key);
      str(m, 2, value);
    });
  return w.finish();
}
