export { type ConvertSummary, convertToMlLatest } from "./convert.js";
export { type Dataset, detectFormat, openDataset, type ReadOptions } from "./dataset.js";
export {
  DOWNLOADABLE,
  type DownloadableDataset,
  DownloadError,
  type DownloadOptions,
  type DownloadResult,
  downloadDataset,
  GROUPLENS_BASE_URL,
  isDownloadable,
} from "./download.js";
export { DatasetNotFoundError, MovieLensParseError } from "./errors.js";
export {
  GENERATE_DEFAULTS,
  type GenerateOptions,
  type GenerateSummary,
  type GroundTruth,
  generateDataset,
  readGroundTruth,
  type TasteCluster,
} from "./generate.js";
export { GENRES, NO_GENRES } from "./genres.js";
export { type DatasetReport, inspectDataset } from "./inspect.js";
export { titleYear } from "./title.js";
export type { DatasetFormat, Link, Movie, ProgressFn, Rating } from "./types.js";
