export { META_STREAM_SEQ } from "./adapters/replay.js";
export { loadConfig, USAGE, type WorkerConfig } from "./config.js";
export { handleEvent, type Verdict } from "./domain/handle-event.js";
export { type NearlineWorkerHandle, startNearlineWorker } from "./run.js";
