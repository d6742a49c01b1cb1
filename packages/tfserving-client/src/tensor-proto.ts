/**
 * tensorflow.TensorProto ↔ Tensor, for proto-loader objects (keepCase, longs as strings).
 * Decoding follows Tensor::FromProto: tensor_content when present (its length must match), otherwise the
 * typed field, where missing trailing values repeat the last one and no values means zeros.
 */
import { allocTensor, dtypeFromNumber, elementCount, type Tensor, TF_DTYPE_NUMBER } from "./tensor.js";

type Long = string | number;

export interface TensorProtoObject {
  dtype?: number;
  tensor_shape?: { dim?: Array<{ size?: Long; name?: string }>; unknown_rank?: boolean } | null;
  version_number?: number;
  tensor_content?: Uint8Array;
  float_val?: ArrayLike<number>;
  double_val?: ArrayLike<number>;
  int_val?: ArrayLike<number>;
  string_val?: ArrayLike<Uint8Array>;
  int64_val?: ArrayLike<Long>;
  bool_val?: ArrayLike<boolean>;
}

export class TensorProtoError extends Error {}

const ELEMENT_BYTES = { DT_FLOAT: 4, DT_DOUBLE: 8, DT_INT32: 4, DT_INT64: 8, DT_BOOL: 1 } as const;

/** Decodes a TensorProto; throws TensorProtoError for an unsupported dtype or a malformed tensor. */
export function tensorFromProto(p: TensorProtoObject): Tensor {
  const dtype = dtypeFromNumber(p.dtype ?? 0);
  if (!dtype) throw new TensorProtoError(`unsupported dtype ${p.dtype ?? 0}`);
  const dims = (p.tensor_shape?.dim ?? []).map((d) => Number(d.size ?? 0));
  if (dims.some((d) => d < 0)) throw new TensorProtoError("tensor shape has a negative dimension");
  const t = allocTensor(dtype, dims);
  const n = elementCount(dims);
  const content = p.tensor_content;
  if (content && content.length > 0 && t.dtype !== "DT_STRING") {
    const size = ELEMENT_BYTES[t.dtype];
    if (content.length !== n * size)
      throw new TensorProtoError(`tensor_content has ${content.length} bytes, expected ${n * size}`);
    // Copy: the decoded buffer may be unaligned for the element type.
    new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).set(content);
    return t;
  }
  const fill = <T, U>(
    src: ArrayLike<T> | undefined,
    dst: { length: number; [i: number]: U },
    conv: (v: T) => U,
  ) => {
    const m = src?.length ?? 0;
    if (m === 0 || !src) return;
    for (let i = 0; i < n; i++) dst[i] = conv(src[i < m ? i : m - 1]);
  };
  switch (t.dtype) {
    case "DT_FLOAT":
      fill(p.float_val, t.data, Number);
      break;
    case "DT_DOUBLE":
      fill(p.double_val, t.data, Number);
      break;
    case "DT_INT32":
      fill(p.int_val, t.data, Number);
      break;
    case "DT_INT64":
      fill(p.int64_val, t.data, (v) => BigInt(v));
      break;
    case "DT_BOOL":
      fill(p.bool_val, t.data, (v) => (v ? 1 : 0));
      break;
    case "DT_STRING": {
      const src = p.string_val ?? [];
      for (let i = 0; i < n; i++) t.data[i] = i < src.length ? src[i] : new Uint8Array(0);
      break;
    }
  }
  return t;
}

/**
 * Encodes a tensor. `asContent` puts numeric data in tensor_content (one memcpy instead of a packed
 * varint/float list); TF Serving accepts both, and answers with typed fields unless told otherwise.
 */
export function tensorToProto(t: Tensor, asContent = false): TensorProtoObject {
  const p: TensorProtoObject = {
    dtype: TF_DTYPE_NUMBER[t.dtype],
    tensor_shape: { dim: t.dims.map((d) => ({ size: String(d) })) },
  };
  if (t.dtype === "DT_STRING") {
    p.string_val = t.data;
    return p;
  }
  if (asContent) {
    p.tensor_content = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    return p;
  }
  switch (t.dtype) {
    case "DT_FLOAT":
      p.float_val = t.data;
      break;
    case "DT_DOUBLE":
      p.double_val = t.data;
      break;
    case "DT_INT32":
      p.int_val = t.data;
      break;
    case "DT_INT64":
      p.int64_val = Array.from(t.data, String);
      break;
    case "DT_BOOL":
      p.bool_val = Array.from(t.data, Boolean);
      break;
  }
  return p;
}
