import { MODEL_KINDS, Model, type ModelDefinition, type ModelKind, type ModelSpecBase } from "./model.js";
import { deepFm } from "./models/deepfm.js";
import { embeddingMlp } from "./models/embedding-mlp.js";
import { neuralCf } from "./models/neuralcf.js";
import { twoTower } from "./models/two-tower.js";
import { wideDeep } from "./models/wide-deep.js";
import type { ParamBuffers } from "./params.js";

// biome-ignore lint/suspicious/noExplicitAny: each definition is typed by its own spec; the registry is keyed by kind.
const DEFINITIONS: Record<string, ModelDefinition<any>> = {
  neuralcf: neuralCf,
  "embedding-mlp": embeddingMlp,
  "wide-deep": wideDeep,
  deepfm: deepFm,
  "two-tower": twoTower,
};

export function isModelKind(name: string): name is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(name);
}

/** Rebuilds a model from its spec (and, in a worker or from a checkpoint, its weight buffers). */
export function createModel(spec: ModelSpecBase, buffers?: ParamBuffers): Model {
  const def = DEFINITIONS[spec.kind];
  if (!def) throw new Error(`unknown model "${spec.kind}"; valid models: ${MODEL_KINDS.join(", ")}`);
  return new Model(def, spec, buffers);
}
