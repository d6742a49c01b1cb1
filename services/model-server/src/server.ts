import { readFileSync } from "node:fs";
import { createGrpcAdapter } from "./adapters/grpc.js";
import { createRestAdapter } from "./adapters/rest.js";
import { type BatchingParameters, BatchScheduler, DEFAULT_BATCHING } from "./batching.js";
import { readModelConfigFile } from "./config.js";
import { type Logger, stderrLogger } from "./logger.js";
import { ServerMetrics } from "./metrics.js";
import type { ModelConfig } from "./model-manager.js";
import { ModelRegistry } from "./model-registry.js";
import { Predictor } from "./predict.js";

export interface ModelServerOptions {
  /** Several models; or use modelName + modelBasePath for one, or modelConfigFile. */
  models?: ModelConfig[];
  /** A ModelServerConfig file (read when `models` is not given). */
  modelConfigFile?: string;
  /** Seconds between re-reads of modelConfigFile (TF's --model_config_file_poll_wait_seconds; 0: never). */
  modelConfigFilePollSeconds?: number;
  modelName?: string;
  modelBasePath?: string;
  /** 0 picks a free port; null disables that protocol. Defaults: gRPC 8500, REST 8501. */
  grpcPort?: number | null;
  restPort?: number | null;
  host?: string;
  /** Seconds between version scans (default 1; 0 scans once). */
  pollSeconds?: number;
  /** Timed retries of a failed load (TF's defaults: 5, one minute apart). */
  maxLoadRetries?: number;
  loadRetryIntervalMs?: number;
  enableBatching?: boolean;
  batching?: Partial<BatchingParameters>;
  enableCors?: boolean;
  /** gRPC outputs in tensor_content instead of float_val etc. */
  tensorContent?: boolean;
  maxBodyBytes?: number;
  /** --rest_api_timeout_in_ms: a REST predict still running after this answers 504 (default 30000; 0: none). */
  restTimeoutMs?: number;
  log?: Logger;
}

export interface RunningModelServer {
  /** Bound ports (null when disabled). */
  restPort: number | null;
  grpcPort: number | null;
  registry: ModelRegistry;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

/**
 * Starts the model server in this process: scans and loads every model (waiting for the first scan, as TF
 * Serving waits for its initial loads), then listens.
 */
export async function startModelServer(opts: ModelServerOptions): Promise<RunningModelServer> {
  const models =
    opts.models ??
    (opts.modelConfigFile ? readModelConfigFile(opts.modelConfigFile) : undefined) ??
    (opts.modelBasePath ? [{ name: opts.modelName ?? "default", basePath: opts.modelBasePath }] : []);
  if (models.length === 0) throw new Error("startModelServer: no models (give models, or modelBasePath)");
  const log = opts.log ?? stderrLogger();
  const metrics = new ServerMetrics();
  const registry = new ModelRegistry(models, log, {
    onStateChange: (model, version, state) => metrics.versionState(model, version, state),
    maxLoadRetries: opts.maxLoadRetries,
    loadRetryIntervalMs: opts.loadRetryIntervalMs,
  });
  await registry.start(opts.pollSeconds ?? 1);
  const watcher =
    opts.modelConfigFile && (opts.modelConfigFilePollSeconds ?? 0) > 0
      ? watchConfigFile(opts.modelConfigFile, opts.modelConfigFilePollSeconds as number, registry, log)
      : undefined;
  const batcher = opts.enableBatching
    ? new BatchScheduler({ ...DEFAULT_BATCHING, ...opts.batching }, (model, n) => metrics.batch(model, n))
    : undefined;
  const predictor = new Predictor(registry, batcher);
  const host = opts.host ?? "0.0.0.0";
  const rest =
    opts.restPort === null
      ? undefined
      : createRestAdapter(registry, predictor, metrics, {
          maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024 * 1024,
          timeoutMs: opts.restTimeoutMs ?? 30_000,
          enableCors: opts.enableCors ?? false,
        });
  const grpc =
    opts.grpcPort === null
      ? undefined
      : createGrpcAdapter(registry, predictor, metrics, { tensorContent: opts.tensorContent ?? false });
  try {
    const restPort = rest ? await rest.listen(opts.restPort ?? 8501, host) : null;
    const grpcPort = grpc ? await grpc.listen(opts.grpcPort ?? 8500, host) : null;
    log.info(
      `serving ${models.map((m) => m.name).join(", ")}: REST port ${restPort ?? "off"}, gRPC port ${grpcPort ?? "off"}`,
    );
    return {
      restPort,
      grpcPort,
      registry,
      metrics,
      close: async () => {
        await Promise.all([rest?.close(), grpc?.close(), watcher?.stop()]);
        await registry.stop();
      },
    };
  } catch (err) {
    await Promise.all([rest?.close(), grpc?.close(), watcher?.stop()]);
    await registry.stop();
    throw err;
  }
}

/** Re-reads the config file every `seconds` and applies it when its text changed; a bad file is logged and ignored. */
function watchConfigFile(
  path: string,
  seconds: number,
  registry: ModelRegistry,
  log: Logger,
): { stop(): Promise<void> } {
  let last = readFileSync(path, "utf8");
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const text = readFileSync(path, "utf8");
      if (text !== last) {
        last = text;
        log.info(`model config file ${path} changed; reloading`);
        await registry.reconfigure(readModelConfigFile(path));
      }
    } catch (err) {
      log.error(`model config file ${path}: ${(err as Error).message}; keeping the current models`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().then(schedule);
    }, seconds * 1000);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
