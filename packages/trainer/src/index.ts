export { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
export type { ColumnData } from "./data.js";
export { type ExportOptions, exportModel, signatureFile } from "./export.js";
export { bceWithLogits, Graph, sigmoid } from "./graph.js";
export { type InputSpec, MODEL_KINDS, Model, type ModelKind, type ModelSpecBase } from "./model.js";
export { ModelScorer } from "./model-scorer.js";
export { type DeepFmSpec, deepFmSpec } from "./models/deepfm.js";
export { type EmbeddingMlpSpec, embeddingMlpSpec } from "./models/embedding-mlp.js";
export {
  type FeatureEncoding,
  fitFeatureEncoding,
  GENRE_FEATURES,
  NUMERIC_FEATURES,
} from "./models/features.js";
export { type NeuralCfSpec, neuralCfSpec } from "./models/neuralcf.js";
export {
  ITEM_TOWER_FEATURES,
  type TwoTowerSpec,
  twoTowerSpec,
  USER_TOWER_FEATURES,
} from "./models/two-tower.js";
export { type WideDeepSpec, wideDeepSpec } from "./models/wide-deep.js";
export { DEFAULT_ADAM, type OptimizerConfig } from "./optimizer.js";
export {
  modelFeatures,
  type TrainFromSamplesOptions,
  type TrainModelOptions,
  type TrainModelResult,
  trainFromSamples,
  trainOnTables,
} from "./pipeline.js";
export { predict } from "./predict.js";
export { createModel, isModelKind } from "./registry.js";
export { encodeColumns, encodeTable } from "./samples.js";
export { implicitSource, labelledSource, type TrainingSource } from "./sources.js";
export { type EmbeddingTable, towerEmbeddings } from "./tower-embeddings.js";
export {
  type EpochStats,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  train,
} from "./training.js";
