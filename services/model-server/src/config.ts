/**
 * Command-line flags (TF Serving's names) and config files: ModelServerConfig in TF's text format (the
 * subset below) or the same structure as JSON, and BatchingParameters in text format.
 *
 *   model_config_list {
 *     config {
 *       name: "neuralcf"  base_path: "models/neuralcf"  model_platform: "onnx"
 *       model_version_policy { specific { versions: 1 versions: 2 } }   # or latest { num_versions: 2 } / all {}
 *       version_labels { key: "stable" value: 1 }
 *       version_labels { key: "canary" value: 2 }
 *     }
 *   }
 *
 * JSON: {"model_config_list":{"config":[{"name":"neuralcf","base_path":"models/neuralcf",
 *        "model_version_policy":{"latest":{"num_versions":1}},"version_labels":{"stable":1}}]}}
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type BatchingParameters, DEFAULT_BATCHING } from "./batching.js";
import type { ModelConfig, VersionPolicy } from "./model-manager.js";
import { parseTextProto, type TextMessage, type TextValue } from "./text-proto.js";

/** Reads a ModelServerConfig file (text format, or JSON when it starts with "{"). */
export function readModelConfigFile(path: string): ModelConfig[] {
  const text = readFileSync(path, "utf8");
  return text.trimStart().startsWith("{")
    ? modelConfigsFromJson(JSON.parse(text), path)
    : modelConfigsFromText(parseTextProto(text, path), path);
}

function one(msg: TextMessage, field: string): TextValue | undefined {
  return msg.get(field)?.at(-1);
}

function asMessage(v: TextValue | undefined, where: string): TextMessage {
  if (!(v instanceof Map)) throw new Error(`${where} must be a message ({ … })`);
  return v;
}

function modelConfigsFromText(root: TextMessage, path: string): ModelConfig[] {
  if (root.has("custom_model_config")) throw new Error(`${path}: custom_model_config is not supported`);
  const list = asMessage(one(root, "model_config_list"), `${path}: model_config_list`);
  return (list.get("config") ?? []).map((c, i) => {
    const where = `${path}: model_config_list.config[${i}]`;
    const m = asMessage(c, where);
    const name = one(m, "name");
    const base = one(m, "base_path");
    if (typeof name !== "string" || !name) throw new Error(`${where}.name must be a non-empty string`);
    if (typeof base !== "string" || !base) throw new Error(`${where}.base_path must be a non-empty string`);
    const config: ModelConfig = { name, basePath: base };
    const policy = one(m, "model_version_policy");
    if (policy)
      config.versionPolicy = policyFromText(asMessage(policy, `${where}.model_version_policy`), where);
    const labels = m.get("version_labels");
    if (labels) {
      config.versionLabels = {};
      for (const l of labels) {
        const e = asMessage(l, `${where}.version_labels`);
        const key = one(e, "key");
        const value = one(e, "value");
        if (typeof key !== "string" || typeof value !== "number" || !Number.isInteger(value))
          throw new Error(`${where}.version_labels needs key: "<label>" value: <version>`);
        config.versionLabels[key] = value;
      }
    }
    return config;
  });
}

function policyFromText(p: TextMessage, where: string): VersionPolicy {
  if (p.has("all")) return { all: true };
  const specific = p.get("specific");
  if (specific) {
    const versions = asMessage(specific[0], `${where}.specific`).get("versions") ?? [];
    if (!versions.every((v) => typeof v === "number" && Number.isInteger(v)))
      throw new Error(`${where}.model_version_policy.specific.versions must be integers`);
    return { specific: versions as number[] };
  }
  const latest = p.get("latest");
  if (latest) {
    const n = one(asMessage(latest[0], `${where}.latest`), "num_versions") ?? 1;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
      throw new Error(`${where}.model_version_policy.latest.num_versions must be a non-negative integer`);
    return { latest: n || 1 };
  }
  throw new Error(`${where}.model_version_policy must be one of latest, all, specific`);
}

interface JsonModelConfig {
  name?: unknown;
  base_path?: unknown;
  model_version_policy?: {
    latest?: { num_versions?: number };
    all?: object;
    specific?: { versions?: unknown[] };
  };
  version_labels?: Record<string, unknown>;
}

function modelConfigsFromJson(json: unknown, path: string): ModelConfig[] {
  const list = (json as { model_config_list?: { config?: unknown } })?.model_config_list?.config;
  if (!Array.isArray(list)) throw new Error(`${path}: model_config_list.config must be an array`);
  return list.map((raw: JsonModelConfig, i) => {
    const where = `${path}: model_config_list.config[${i}]`;
    if (typeof raw?.name !== "string" || !raw.name)
      throw new Error(`${where}.name must be a non-empty string`);
    if (typeof raw.base_path !== "string" || !raw.base_path)
      throw new Error(`${where}.base_path must be a non-empty string`);
    const config: ModelConfig = { name: raw.name, basePath: raw.base_path };
    const p = raw.model_version_policy;
    if (p?.all) config.versionPolicy = { all: true };
    else if (p?.specific) {
      const versions = (p.specific.versions ?? []).map(Number);
      if (!versions.every(Number.isInteger))
        throw new Error(`${where}.model_version_policy.specific.versions must be integers`);
      config.versionPolicy = { specific: versions };
    } else if (p?.latest) config.versionPolicy = { latest: Number(p.latest.num_versions ?? 1) || 1 };
    if (raw.version_labels) {
      config.versionLabels = {};
      for (const [k, v] of Object.entries(raw.version_labels)) {
        if (!Number.isInteger(Number(v)))
          throw new Error(`${where}.version_labels.${k} must be an integer version`);
        config.versionLabels[k] = Number(v);
      }
    }
    return config;
  });
}

/** Reads a BatchingParameters text file (`max_batch_size { value: 128 }` …). */
export function readBatchingParametersFile(path: string): BatchingParameters {
  const msg = parseTextProto(readFileSync(path, "utf8"), path);
  const wrapped = (field: string, fallback: number): number => {
    const v = one(msg, field);
    if (v === undefined) return fallback;
    const n = v instanceof Map ? one(v, "value") : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
      throw new Error(`${path}: ${field} must be a non-negative integer`);
    return n;
  };
  return {
    maxBatchSize: wrapped("max_batch_size", DEFAULT_BATCHING.maxBatchSize),
    batchTimeoutMicros: wrapped("batch_timeout_micros", DEFAULT_BATCHING.batchTimeoutMicros),
    maxEnqueuedBatches: wrapped("max_enqueued_batches", DEFAULT_BATCHING.maxEnqueuedBatches),
  };
}

export const HELP = `wren model server: the TensorFlow Serving API (REST + gRPC) over ONNX models run by onnxruntime-node.

Usage:
  model-server --model_name=<name> --model_base_path=<dir>       one model; <dir>/<version>/model.onnx
  model-server --model_config_file=<file>                        several models (text-format ModelServerConfig or JSON)

Flags (TF Serving's names; both --flag=value and --flag value work):
  --port=8500                            gRPC port (0 disables gRPC, as in TF Serving)
  --rest_api_port=8501                   REST port (0 disables REST; TF's binary defaults to 0, its Docker image to 8501)
  --bind_address=0.0.0.0                 address both servers listen on (Wren extension)
  --model_name=default                   model name clients use (ignored with --model_config_file)
  --model_base_path=<dir>                directory holding numeric version subdirectories
  --model_config_file=<file>             ModelServerConfig: model_config_list { config { name base_path model_version_policy version_labels } }
  --model_config_file_poll_wait_seconds=0   re-read the config file this often: models added, removed, relabelled (0: read once)
  --file_system_poll_wait_seconds=1      how often to scan for new versions (0: once at start)
  --max_num_load_retries=5               retries of a failed version load whose files did not change (a change retries at once)
  --load_retry_interval_micros=60000000  wait between those retries
  --enable_batching                      batch concurrent predict calls per model version (off by default)
  --batching_parameters_file=<file>      BatchingParameters text file (max_batch_size, batch_timeout_micros, max_enqueued_batches)
  --rest_api_enable_cors_support         add Access-Control-Allow-* headers
  --enable_serialization_as_tensor_content   gRPC outputs as tensor_content bytes instead of float_val etc.
  --rest_api_timeout_in_ms=30000         a REST predict that takes longer answers 504 DEADLINE_EXCEEDED (0: no limit)
  --rest_max_body_bytes=67108864         larger request bodies get 413 (Wren extension)
  --workers=1                            processes sharing the ports, one onnxruntime session each (Wren extension)
  --help                                 this text

Endpoints on the REST port besides /v1/...: /healthz, /readyz (200 once every model has an AVAILABLE version),
/metrics and /monitoring/prometheus/metrics (Prometheus).`;

export interface CliOptions {
  help: boolean;
  grpcPort: number | null;
  restPort: number | null;
  host: string;
  models: ModelConfig[];
  /** The --model_config_file the models came from, if any. */
  modelConfigFile?: string;
  modelConfigFilePollSeconds: number;
  pollSeconds: number;
  maxLoadRetries: number;
  loadRetryIntervalMs: number;
  enableBatching: boolean;
  batching: BatchingParameters;
  enableCors: boolean;
  tensorContent: boolean;
  maxBodyBytes: number;
  restTimeoutMs: number;
  workers: number;
}

const BOOLEAN_FLAGS = [
  "help",
  "enable_batching",
  "rest_api_enable_cors_support",
  "enable_serialization_as_tensor_content",
] as const;

/** Parses TF Serving style flags; throws an Error naming the flag on bad input. */
export function parseCli(argv: string[]): CliOptions {
  const strings = [
    "port",
    "rest_api_port",
    "bind_address",
    "model_name",
    "model_base_path",
    "model_config_file",
    "model_config_file_poll_wait_seconds",
    "file_system_poll_wait_seconds",
    "max_num_load_retries",
    "load_retry_interval_micros",
    "batching_parameters_file",
    "rest_max_body_bytes",
    "rest_api_timeout_in_ms",
    "workers",
  ];
  const options: Record<string, { type: "string" }> = {};
  for (const s of [...strings, ...BOOLEAN_FLAGS]) options[s] = { type: "string" };
  // Booleans accept --flag, --flag=true and --flag=false, as TF's flag parser does.
  const normalized = argv.map((a) =>
    (BOOLEAN_FLAGS as readonly string[]).includes(a.replace(/^--/, "")) ? `${a}=true` : a,
  );
  const { values, positionals } = parseArgs({
    args: normalized,
    options,
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0)
    throw new Error(`unexpected argument ${positionals[0]} (flags look like --name=value)`);
  const bool = (name: string) => {
    const v = values[name];
    if (v === undefined) return false;
    if (v !== "true" && v !== "false") throw new Error(`--${name} must be true or false, got ${v}`);
    return v === "true";
  };
  const int = (name: string, fallback: number, min = 0) => {
    const v = values[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const help = bool("help");
  const configFile = values.model_config_file as string | undefined;
  const basePath = values.model_base_path as string | undefined;
  let models: ModelConfig[] = [];
  if (configFile) models = readModelConfigFile(configFile);
  else if (basePath) models = [{ name: (values.model_name as string | undefined) ?? "default", basePath }];
  else if (!help)
    throw new Error("either --model_base_path (with --model_name) or --model_config_file is required");
  const enableBatching = bool("enable_batching");
  const batchingFile = values.batching_parameters_file as string | undefined;
  if (batchingFile && !enableBatching)
    throw new Error("--batching_parameters_file requires --enable_batching");
  const grpcPort = int("port", 8500);
  const restPort = int("rest_api_port", 8501);
  if (grpcPort !== 0 && grpcPort === restPort) throw new Error("--port and --rest_api_port must differ");
  return {
    help,
    grpcPort: grpcPort === 0 ? null : grpcPort,
    restPort: restPort === 0 ? null : restPort,
    host: (values.bind_address as string | undefined) ?? "0.0.0.0",
    models,
    modelConfigFile: configFile,
    modelConfigFilePollSeconds: int("model_config_file_poll_wait_seconds", 0),
    pollSeconds: Number(values.file_system_poll_wait_seconds ?? 1),
    maxLoadRetries: int("max_num_load_retries", 5),
    loadRetryIntervalMs: int("load_retry_interval_micros", 60_000_000) / 1000,
    enableBatching,
    batching: batchingFile ? readBatchingParametersFile(batchingFile) : DEFAULT_BATCHING,
    enableCors: bool("rest_api_enable_cors_support"),
    tensorContent: bool("enable_serialization_as_tensor_content"),
    maxBodyBytes: int("rest_max_body_bytes", 64 * 1024 * 1024, 1),
    restTimeoutMs: int("rest_api_timeout_in_ms", 30_000),
    workers: int("workers", 1, 1),
  };
}
