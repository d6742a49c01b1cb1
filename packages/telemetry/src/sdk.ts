import { type ContextManager, ROOT_CONTEXT } from "@opentelemetry/api";
import { OTLPTraceExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

let sdk: NodeSDK | null = null;

/** No active context, ever: `with` just calls, so nothing hooks the promises (the API's own no-op is internal). */
const noContextManager: ContextManager = {
  active: () => ROOT_CONTEXT,
  with: (_context, fn, thisArg, ...args) => fn.call(thisArg, ...args),
  bind: (_context, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
};

function exporterFromEnv(env: NodeJS.ProcessEnv): SpanExporter | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  if (protocol === "http/json") return new OtlpHttpJsonExporter();
  if (protocol === "http/protobuf") return new OtlpProtoExporter();
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json, got ${protocol}`);
}

/**
 * Starts the OpenTelemetry NodeSDK once per process: W3C trace-context propagation always (so trace ids
 * flow even when nothing is exported), OTLP/HTTP export only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * service name from `OTEL_SERVICE_NAME`, and the context manager and the ioredis, undici, grpc-js and http
 * instrumentations when spans are exported or a sampler is set.
 * The bus creates its own NATS spans (there is no NATS instrumentation).
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (sdk) return;
  const exporter = exporterFromEnv(env);
  const sampled = exporter !== null || Boolean(env.OTEL_TRACES_SAMPLER);
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? "wren",
    // Without export a no-op processor still installs a tracer provider, so root spans get trace ids
    // that propagate across services and appear in logs.
    spanProcessors: [
      exporter ? new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 }) : new NoopSpanProcessor(),
    ],
    // With nothing to export, record nothing: the bus's spans stay non-recording but still carry the trace
    // id across the bus services and into their logs. Recording them only to drop them cost the services
    // about a third more CPU per request (bench/online-gateway.ts). OTEL_TRACES_SAMPLER still wins when set.
    // Nor register a context manager: on Node 20 it is an AsyncLocalStorage, whose async hooks run on every
    // promise and cost the services about 5% of their CPU at saturation. The bus passes trace context and
    // deadlines explicitly (`HandlerContext` → `within`), so only code asking for the *active* span finds none.
    ...(sampled ? {} : { sampler: new AlwaysOffSampler(), contextManager: noContextManager }),
    // Metrics are Prometheus (prom-client, /metrics) and logs go to stdout. Left to the environment, the
    // SDK would add OTLP metric and log exporters to localhost:4318, and on shutdown retry pushing the
    // http instrumentation's metrics to a collector that is not there for ~9 s.
    metricReaders: [],
    logRecordProcessors: [],
    // Unsampled, the library spans would only carry the trace id on to the model server and into ioredis,
    // where no log line reads it, and their hooks cost about 5% of the services' CPU at saturation
    // (bench/online-gateway.ts). The bus's own NATS spans still carry it across the services.
    instrumentations: sampled
      ? [
          new IORedisInstrumentation({ requireParentSpan: true }),
          new UndiciInstrumentation(),
          new GrpcInstrumentation(),
          new HttpInstrumentation(),
        ]
      : [],
  });
  sdk.start();
}

/**
 * Flushes pending spans and stops the SDK; call on graceful shutdown. Waits at most `timeoutMs`: an
 * unreachable collector must not hold a stopping replica past its grace period (those spans are lost).
 */
export async function shutdownTelemetry(timeoutMs = 2000): Promise<void> {
  const s = sdk;
  sdk = null;
  if (!s) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    s.shutdown(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
