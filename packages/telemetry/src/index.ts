export * from "./attributes.js";
export { tuneGarbageCollector } from "./gc-tuning.js";
export * from "./logger.js";
export * from "./metrics.js";
export { shutdownTelemetry, startTelemetry } from "./sdk.js";
