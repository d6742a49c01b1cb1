export { BatchReader, type BatchReaderOptions } from "./adapters/batch-reader.js";
export * from "./domain/columns.js";
export { featureRoutes } from "./handlers/routes.js";
