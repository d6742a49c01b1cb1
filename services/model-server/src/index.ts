export { type BatchingParameters, DEFAULT_BATCHING } from "./batching.js";
export { HELP, parseCli, readModelConfigFile } from "./config.js";
export { type Logger, stderrLogger } from "./logger.js";
export type { ModelConfig, VersionPolicy, VersionState, VersionStatus } from "./model-manager.js";
export type { ModelSpec } from "./model-registry.js";
export { type ModelServerOptions, type RunningModelServer, startModelServer } from "./server.js";
