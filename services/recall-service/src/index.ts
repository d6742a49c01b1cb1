export { LiveCatalog, loadCatalogIndex, readUserSignals } from "./adapters/live-catalog.js";
export * from "./domain/catalog.js";
export * from "./domain/catalog-index.js";
export * from "./domain/recall.js";
export { VectorIndex } from "./domain/vector-index.js";
export { type RecallDeps, recallForUser, recallRoutes } from "./handlers/routes.js";
