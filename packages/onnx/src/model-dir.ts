/**
 * The on-disk contract between the trainer (writer) and the model server / ranking client (readers):
 *
 *   <modelsRoot>/<modelName>/<version>/model.onnx
 *   <modelsRoot>/<modelName>/<version>/signature.json   (ModelSignatureFile below)
 *
 * `version` is a positive integer directory name that only grows. A version directory is complete when
 * it exists: writers build it under a temporary name in the same parent and rename it into place.
 */

/** TensorFlow DataType names, as TF Serving prints them in metadata. */
export type TfDtype = "DT_FLOAT" | "DT_DOUBLE" | "DT_INT32" | "DT_INT64" | "DT_STRING" | "DT_BOOL";

export interface TensorSpec {
  /** Tensor name inside the ONNX graph (what onnxruntime-node's session.run is keyed by). */
  onnxName: string;
  dtype: TfDtype;
  /** -1 for an unknown (batch) dimension, as in TF Serving's metadata. */
  shape: number[];
  /** Inclusive valid range for integer id inputs; the server answers 400 outside it, as TF's
   *  categorical-column assertions do. */
  range?: { min: number; max: number };
}

export interface SignatureDefSpec {
  /** Keyed by the alias clients use (e.g. "userId", "movieId"). */
  inputs: Record<string, TensorSpec>;
  /** Keyed by alias (e.g. "dense_2" for NeuralCF, to match the reference SavedModel). */
  outputs: Record<string, TensorSpec>;
  methodName: "tensorflow/serving/predict";
}

export interface ModelSignatureFile {
  formatVersion: 1;
  /** Wren model kind: "neuralcf", "embedding-mlp", "wide-deep", "deepfm", "two-tower", … */
  model: string;
  /** Signatures by key; "serving_default" is required. */
  signatures: Record<string, SignatureDefSpec>;
  /** Ordered features each instance needs, named as in the feature store / training samples. */
  features: string[];
  /**
   * Vocabularies of categorical string features (e.g. genres): the graph takes their indices, and the model
   * server takes the strings and maps them (unknown → 0), as training did.
   */
  vocabularies?: Record<string, string[]>;
  createdAt: string;
  /** The training data manifest the model was trained on (input checksums, row counts, time range). */
  trainingData?: unknown;
  /** Evaluation metrics at export time (auc, prAuc, logloss, hr@10, ndcg@10, …). */
  metrics?: Record<string, number>;
  /** Free-form hyper-parameters. */
  params?: Record<string, unknown>;
}

export const MODEL_FILE = "model.onnx";
export const SIGNATURE_FILE = "signature.json";

const TF_DTYPES: readonly TfDtype[] = [
  "DT_FLOAT",
  "DT_DOUBLE",
  "DT_INT32",
  "DT_INT64",
  "DT_STRING",
  "DT_BOOL",
];

/**
 * Validates a parsed signature.json and returns it typed. Errors name the file (`where`) and the JSON path
 * of the offending field, so a broken export is easy to find.
 */
export function parseSignatureFile(json: unknown, where = SIGNATURE_FILE): ModelSignatureFile {
  const fail = (path: string, msg: string): never => {
    throw new Error(`${where}: ${path} ${msg}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(json)) fail("(top level)", "must be an object");
  const f = json as Record<string, unknown>;
  if (f.formatVersion !== 1) fail("formatVersion", `must be 1, got ${JSON.stringify(f.formatVersion)}`);
  if (typeof f.model !== "string" || !f.model) fail("model", "must be a non-empty string");
  if (!Array.isArray(f.features) || !f.features.every((x) => typeof x === "string"))
    fail("features", "must be an array of strings");
  if (typeof f.createdAt !== "string") fail("createdAt", "must be a string");
  if (!isObject(f.signatures)) fail("signatures", "must be an object");
  const sigs = f.signatures as Record<string, unknown>;
  if (!("serving_default" in sigs)) fail("signatures", 'must contain "serving_default"');
  const checkTensors = (path: string, v: unknown, allowEmpty: boolean) => {
    if (!isObject(v)) fail(path, "must be an object");
    const entries = Object.entries(v as Record<string, unknown>);
    if (!allowEmpty && entries.length === 0) fail(path, "must not be empty");
    for (const [alias, spec] of entries) {
      const p = `${path}.${alias}`;
      if (!isObject(spec)) fail(p, "must be an object");
      const t = spec as Record<string, unknown>;
      if (typeof t.onnxName !== "string" || !t.onnxName) fail(`${p}.onnxName`, "must be a non-empty string");
      if (!TF_DTYPES.includes(t.dtype as TfDtype))
        fail(`${p}.dtype`, `must be one of ${TF_DTYPES.join(", ")}`);
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= -1))
        fail(`${p}.shape`, "must be an array of integers >= -1");
      if (t.range !== undefined) {
        const r = t.range as Record<string, unknown>;
        if (
          !isObject(r) ||
          !Number.isInteger(r.min) ||
          !Number.isInteger(r.max) ||
          (r.min as number) > (r.max as number)
        )
          fail(`${p}.range`, "must be {min, max} integers with min <= max");
      }
    }
  };
  for (const [key, sig] of Object.entries(sigs)) {
    const p = `signatures.${key}`;
    if (!isObject(sig)) fail(p, "must be an object");
    const s = sig as Record<string, unknown>;
    checkTensors(`${p}.inputs`, s.inputs, false);
    checkTensors(`${p}.outputs`, s.outputs, false);
    if (s.methodName !== "tensorflow/serving/predict")
      fail(`${p}.methodName`, 'must be "tensorflow/serving/predict"');
  }
  return json as unknown as ModelSignatureFile;
}
