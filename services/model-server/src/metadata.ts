/**
 * Synthesises TF Serving's metadata (a SignatureDefMap) from signature.json, including the
 * `__saved_model_init_op` entry that Keras SavedModels carry, so clients see what the reference shows.
 */
import type { SignatureDefSpec, TensorSpec } from "@wren/onnx";
import { TF_DTYPE_NUMBER } from "@wren/tfserving-client";
import type { VersionStatus } from "./model-manager.js";
import type { Servable } from "./servable.js";
import { TfCode } from "./tf-error.js";

/** TensorInfo with proto field names; int64 sizes as strings, as proto3 JSON and proto-loader's longs: String. */
export interface TensorInfoDoc {
  dtype: string;
  tensor_shape: { dim: Array<{ size: string; name: string }>; unknown_rank: boolean };
  name: string;
}

export interface SignatureDefDoc {
  inputs: Record<string, TensorInfoDoc>;
  outputs: Record<string, TensorInfoDoc>;
  method_name: string;
  defaults: Record<string, never>;
}

const INIT_OP = "__saved_model_init_op";

function tensorInfo(spec: TensorSpec): TensorInfoDoc {
  return {
    dtype: spec.dtype,
    tensor_shape: { dim: spec.shape.map((d) => ({ size: String(d), name: "" })), unknown_rank: false },
    name: spec.onnxName,
  };
}

function signatureDef(sig: SignatureDefSpec): SignatureDefDoc {
  const map = (specs: Record<string, TensorSpec>) =>
    Object.fromEntries(Object.entries(specs).map(([alias, spec]) => [alias, tensorInfo(spec)]));
  return { inputs: map(sig.inputs), outputs: map(sig.outputs), method_name: sig.methodName, defaults: {} };
}

/** signature_def map: every signature of the version plus `__saved_model_init_op`. */
export function signatureDefMap(servable: Servable): Record<string, SignatureDefDoc> {
  const out: Record<string, SignatureDefDoc> = {
    [INIT_OP]: {
      inputs: {},
      outputs: {
        [INIT_OP]: { dtype: "DT_INVALID", tensor_shape: { dim: [], unknown_rank: true }, name: "NoOp" },
      },
      method_name: "",
      defaults: {},
    },
  };
  for (const [key, sig] of Object.entries(servable.signatureFile.signatures)) out[key] = signatureDef(sig);
  return out;
}

/** The REST metadata document (GET …/metadata). */
export function metadataDocument(name: string, servable: Servable): unknown {
  return {
    model_spec: { name, signature_name: "", version: String(servable.version) },
    metadata: { signature_def: { signature_def: signatureDefMap(servable) } },
  };
}

/** The same map as protobuf objects for tensorflow.serving.SignatureDefMap (enum dtypes as numbers). */
export function signatureDefMapProto(servable: Servable): object {
  const dtypeNumber = (d: string) =>
    d === "DT_INVALID" ? 0 : TF_DTYPE_NUMBER[d as keyof typeof TF_DTYPE_NUMBER];
  const info = (t: TensorInfoDoc) => ({
    name: t.name,
    dtype: dtypeNumber(t.dtype),
    tensor_shape: { dim: t.tensor_shape.dim, unknown_rank: t.tensor_shape.unknown_rank },
  });
  const map = (m: Record<string, TensorInfoDoc>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, info(v)]));
  const defs = signatureDefMap(servable);
  return {
    signature_def: Object.fromEntries(
      Object.entries(defs).map(([k, d]) => [
        k,
        { inputs: map(d.inputs), outputs: map(d.outputs), method_name: d.method_name },
      ]),
    ),
  };
}

/** GetModelStatusResponse in proto3 JSON form (REST GET /v1/models/{name}). */
export function statusDocument(statuses: VersionStatus[]): unknown {
  return {
    model_version_status: statuses.map((s) => ({
      version: String(s.version),
      state: s.state,
      status: { error_code: TfCode[s.errorCode], error_message: s.errorMessage },
    })),
  };
}
