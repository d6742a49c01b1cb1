export {
  GENERATE_DEFAULTS,
  type GenerateOptions,
  type GenerateSummary,
  type GroundTruth,
  generateDataset,
  type TasteCluster,
} from "./generate.js";
export { GENRES, NO_GENRES } from "./genres.js";
export type { DatasetFormat, Link, Movie, ProgressFn, Rating } from "./types.js";
