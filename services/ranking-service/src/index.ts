export { tfServingPorts } from "./adapters/tfserving.js";
export type { InputColumns, ModelInfo, RankPorts, RecommendPorts } from "./domain/ports.js";
export { buildInputs, planFeatures, rankCandidates, sortByScore } from "./domain/rank.js";
export { type RecommendOptions, recommend } from "./domain/recommend.js";
export { busFeatures, busRecall, rankingRoutes } from "./handlers/routes.js";
export { createInProcessPipeline, type InProcessPipelineOptions } from "./in-process.js";
