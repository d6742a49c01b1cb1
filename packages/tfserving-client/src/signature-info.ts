import type { TfDtype } from "@wren/onnx";

/** What a client needs of a signature: each alias's dtype and shape (-1 unknown). */
export interface TensorInfo {
  dtype: TfDtype;
  shape: number[];
}

export interface SignatureInfo {
  inputs: Record<string, TensorInfo>;
  outputs: Record<string, TensorInfo>;
  methodName: string;
}

export interface ModelMetadata {
  version: number;
  signatures: Record<string, SignatureInfo>;
}

const KNOWN: readonly TfDtype[] = ["DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_INT64", "DT_STRING", "DT_BOOL"];

interface TensorInfoDoc {
  dtype?: string | number;
  tensor_shape?: { dim?: Array<{ size?: string | number }>; unknown_rank?: boolean };
}

/**
 * Reads a SignatureDefMap (REST metadata JSON or a decoded proto object) into SignatureInfo, skipping
 * signatures with dtypes Wren cannot carry (e.g. `__saved_model_init_op`, DT_INVALID).
 */
export function signaturesFromDoc(
  defs: Record<
    string,
    { inputs?: Record<string, TensorInfoDoc>; outputs?: Record<string, TensorInfoDoc>; method_name?: string }
  >,
  dtypeName: (d: string | number | undefined) => string | undefined,
): Record<string, SignatureInfo> {
  const out: Record<string, SignatureInfo> = {};
  for (const [key, def] of Object.entries(defs)) {
    const map = (m: Record<string, TensorInfoDoc> | undefined) => {
      const r: Record<string, TensorInfo> = {};
      for (const [alias, info] of Object.entries(m ?? {})) {
        const dtype = dtypeName(info.dtype) as TfDtype | undefined;
        if (!dtype || !KNOWN.includes(dtype)) return undefined;
        r[alias] = { dtype, shape: (info.tensor_shape?.dim ?? []).map((d) => Number(d.size ?? -1)) };
      }
      return r;
    };
    const inputs = map(def.inputs);
    const outputs = map(def.outputs);
    if (inputs && outputs && Object.keys(outputs).length > 0)
      out[key] = { inputs, outputs, methodName: def.method_name ?? "" };
  }
  return out;
}
