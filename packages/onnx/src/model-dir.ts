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
  /** Vocabularies for categorical string features the graph maps to ids (e.g. genres), if any. */
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
