import { createGrpcAdapter } from "./adapters/grpc.js";
import { createRestAdapter } from "./adapters/rest.js";
import { type BatchingParameters, BatchScheduler, DEFAULT_BATCHING } from "./batching.js";
import { type Logger, stderrLogger } from "./logger.js";
import { ServerMetrics } from "./metrics.js";
import type { ModelConfig } from "./model-manager.js";
import { ModelRegistry } from "./model-registry.js";
import { Predictor } from "./predict.js";

export interface ModelServerOptions {
  /** Several models; or use modelName + modelBasePath for one. */
  models?: ModelConfig[];
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
        await Promise.all([rest?.close(), grpc?.close()]);
        await registry.stop();
      },
    };
  } catch (err) {
    await Promise.all([rest?.close(), grpc?.close()]);
    await registry.stop();
    throw err;
  }
}
