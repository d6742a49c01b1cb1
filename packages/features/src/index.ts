export { DEFAULT_MEMORY_LIMIT } from "./duckdb.js";
export {
  type EngineerOptions,
  engineerFeatures,
  MANIFEST_FILE,
  OUTPUT_FILES,
} from "./engineer.js";
export { FeatureInputError } from "./errors.js";
export type { FeaturesManifest } from "./manifest.js";
export { type OnlineFeatures, openOnlineFeatures, positiveSequences, readManifest } from "./online.js";
export * from "./sample-columns.js";
export { POSITIVE_RATING } from "./sql.js";
