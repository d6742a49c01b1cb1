import type { TfDtype } from "@wren/onnx";

/** An in-memory tensor as it crosses the server: typed data in row-major order plus its shape. */
export type Tensor =
  | { dtype: "DT_FLOAT"; dims: number[]; data: Float32Array }
  | { dtype: "DT_DOUBLE"; dims: number[]; data: Float64Array }
  | { dtype: "DT_INT32"; dims: number[]; data: Int32Array }
  | { dtype: "DT_INT64"; dims: number[]; data: BigInt64Array }
  | { dtype: "DT_BOOL"; dims: number[]; data: Uint8Array }
  | { dtype: "DT_STRING"; dims: number[]; data: Uint8Array[] };

export type TensorData = Tensor["data"];

/** TF DataType enum numbers (tensorflow/core/framework/types.proto). */
export const TF_DTYPE_NUMBER: Record<TfDtype, number> = {
  DT_FLOAT: 1,
  DT_DOUBLE: 2,
  DT_INT32: 3,
  DT_STRING: 7,
  DT_INT64: 9,
  DT_BOOL: 10,
};

/** DataTypeString(): the lower-case names TF uses in error messages. */
export const TF_DTYPE_SHORT: Record<TfDtype, string> = {
  DT_FLOAT: "float",
  DT_DOUBLE: "double",
  DT_INT32: "int32",
  DT_STRING: "string",
  DT_INT64: "int64",
  DT_BOOL: "bool",
};

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates a tensor of the given dtype. */
export function allocTensor(dtype: TfDtype, dims: number[]): Tensor {
  const n = elementCount(dims);
  switch (dtype) {
    case "DT_FLOAT":
      return { dtype, dims, data: new Float32Array(n) };
    case "DT_DOUBLE":
      return { dtype, dims, data: new Float64Array(n) };
    case "DT_INT32":
      return { dtype, dims, data: new Int32Array(n) };
    case "DT_INT64":
      return { dtype, dims, data: new BigInt64Array(n) };
    case "DT_BOOL":
      return { dtype, dims, data: new Uint8Array(n) };
    case "DT_STRING":
      return { dtype, dims, data: new Array<Uint8Array>(n) };
  }
}

const DTYPE_BY_NUMBER = new Map<number, TfDtype>(
  Object.entries(TF_DTYPE_NUMBER).map(([name, n]) => [n, name as TfDtype]),
);

/** The TfDtype for a DataType enum number, or undefined for dtypes Wren does not carry (half, complex …). */
export function dtypeFromNumber(n: number): TfDtype | undefined {
  return DTYPE_BY_NUMBER.get(n);
}
