import { type ModelSignatureFile, type VersionDir, writeModelVersion } from "@wren/onnx";
import type { Model } from "./model.js";

export interface ExportOptions {
  /** Root of the model directories, e.g. "models". */
  modelsRoot: string;
  /** Directory name under modelsRoot; defaults to the model kind. */
  name?: string;
  metrics?: Record<string, number>;
  /** The samples' manifest (checksums, row counts, time range). */
  trainingData?: unknown;
  params?: Record<string, unknown>;
}

/** The signature.json of a model (see @wren/onnx model-dir.ts). */
export function signatureFile(
  model: Model,
  opts: Omit<ExportOptions, "modelsRoot" | "name"> = {},
): ModelSignatureFile {
  const vocabularies = model.def.vocabularies?.(model.spec);
  return {
    formatVersion: 1,
    model: model.kind,
    signatures: { serving_default: model.signature() },
    features: model.inputs().map((i) => i.name),
    ...(vocabularies ? { vocabularies } : {}),
    createdAt: new Date().toISOString(),
    ...(opts.trainingData !== undefined ? { trainingData: opts.trainingData } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    params: {
      ...opts.params,
      spec: model.spec,
      inputs: Object.fromEntries(model.inputs().map((i) => [i.name, i.doc])),
    },
  };
}

/**
 * Writes `<modelsRoot>/<name>/<next version>/{model.onnx, signature.json}`. The version directory is built
 * under a temporary name in the same parent and renamed into place, so readers never see half a model.
 */
export async function exportModel(model: Model, opts: ExportOptions): Promise<VersionDir> {
  return writeModelVersion(opts.modelsRoot, opts.name ?? model.kind, {
    onnx: model.toOnnx(),
    signature: signatureFile(model, opts),
  });
}
