/**
 * The TF Serving client the ranking service uses: one batched predict call per request, scores aligned to
 * the candidates, over REST or gRPC. Works against Wren's model server and a real TF Serving alike.
 */
import { TfServingError } from "./errors.js";
import { GrpcTransport } from "./grpc-transport.js";
import { RestTransport } from "./rest-transport.js";
import type { ModelMetadata, SignatureInfo } from "./signature-info.js";
import { allocTensor, elementCount, type Tensor } from "./tensor.js";
import type { ServableSpec, Transport, VersionStatusInfo } from "./transport.js";

/** Where a Wren model lives in TF Serving, and how to call it. Unset parts are read from model metadata. */
export interface ModelRoute {
  /** TF Serving model name (the reference runs NeuralCF as "recmodel"). */
  servingName: string;
  signatureName?: string;
  /** Output to read scores from, e.g. "dense_2"; default: the signature's only output. */
  outputAlias?: string;
  /** Input aliases each instance needs; default: the signature's inputs. */
  features?: string[];
  version?: number;
  versionLabel?: string;
}

export interface TfServingClientOptions {
  protocol: "rest" | "grpc";
  /** REST base URL, e.g. http://127.0.0.1:8501 */
  restUrl?: string;
  /** gRPC host:port, e.g. 127.0.0.1:8500 */
  grpcAddress?: string;
  /** Per-call deadline (default 1000 ms). */
  timeoutMs?: number;
  /** REST body format (default columnar: `inputs`). */
  restFormat?: "columnar" | "row";
  /** REST keep-alive connections (default 8). */
  connections?: number;
  /** gRPC: numeric inputs as tensor_content bytes (default true). */
  tensorContent?: boolean;
  /** Wren model name → route. Names not listed map to the TF Serving model of the same name. */
  models?: Record<string, ModelRoute>;
  /** How long a model's metadata is trusted before it is read again (default 60 s). */
  metadataTtlMs?: number;
}

/** The reference's spelling of NeuralCF in its model names and URLs. */
const NAME_ALIASES: Record<string, string> = { nerualcf: "neuralcf" };

export type FeatureColumn = ArrayLike<number> | readonly string[];
export type FeatureColumns = Readonly<Record<string, FeatureColumn>>;

export interface ResolvedModel {
  route: ModelRoute;
  /** What predict calls name: the version the metadata described, so the scores come from it. */
  spec: ServableSpec;
  signature: SignatureInfo;
  outputAlias: string;
  features: string[];
  version: number;
}

/** One score per candidate, and the model version that computed them. */
export interface ScoredCandidates {
  scores: Float32Array;
  version: number;
}

export class TfServingClient {
  private readonly transport: Transport;
  private readonly resolved = new Map<string, { at: number; model: Promise<ResolvedModel> }>();

  constructor(private readonly opts: TfServingClientOptions) {
    const timeoutMs = opts.timeoutMs ?? 1000;
    if (opts.protocol === "grpc") {
      if (!opts.grpcAddress) throw new Error("TfServingClient: grpcAddress is required for protocol grpc");
      this.transport = new GrpcTransport({
        address: opts.grpcAddress,
        timeoutMs,
        tensorContent: opts.tensorContent ?? true,
      });
    } else {
      if (!opts.restUrl) throw new Error("TfServingClient: restUrl is required for protocol rest");
      this.transport = new RestTransport({
        url: opts.restUrl,
        timeoutMs,
        format: opts.restFormat ?? "columnar",
        connections: opts.connections ?? 8,
      });
    }
  }

  /** The route for a Wren model name (with the reference's `nerualcf` spelling accepted). */
  route(modelName: string): ModelRoute {
    const models = this.opts.models ?? {};
    const name = this.canonicalName(modelName);
    return Object.hasOwn(models, name) ? models[name] : { servingName: name };
  }

  /** A configured name as is; otherwise the reference's misspelling mapped to the real name. */
  private canonicalName(modelName: string): string {
    return Object.hasOwn(this.opts.models ?? {}, modelName)
      ? modelName
      : (NAME_ALIASES[modelName] ?? modelName);
  }

  /** Route + signature (from metadata, cached for metadataTtlMs under the canonical name, so both
   *  spellings of a model share one metadata fetch). */
  resolve(modelName: string): Promise<ResolvedModel> {
    const key = this.canonicalName(modelName);
    const cached = this.resolved.get(key);
    if (cached && Date.now() - cached.at < (this.opts.metadataTtlMs ?? 60_000)) return cached.model;
    const model = this.describe(key);
    const entry = { at: Date.now(), model };
    this.resolved.set(key, entry);
    model.catch(() => this.forget(key, entry.model));
    return model;
  }

  /** Drops a cached resolution, unless a newer one already replaced it. */
  private forget(key: string, model: Promise<ResolvedModel>): void {
    if (this.resolved.get(key)?.model === model) this.resolved.delete(key);
  }

  private async describe(modelName: string): Promise<ResolvedModel> {
    const route = this.route(modelName);
    const spec: ServableSpec = {
      name: route.servingName,
      version: route.version,
      versionLabel: route.versionLabel,
      signatureName: route.signatureName,
    };
    const meta = await this.transport.metadata(spec);
    // Predict names the version the metadata described: the signature the call is built for and the
    // version reported with the scores are then the ones that computed them, even while a newer version
    // takes over (TF Serving's REST predict response does not say which version answered).
    const pinned: ServableSpec =
      meta.version > 0 ? { name: spec.name, version: meta.version, signatureName: spec.signatureName } : spec;
    const sigKey = route.signatureName || "serving_default";
    const signature = meta.signatures[sigKey];
    if (!signature)
      throw new TfServingError("bad_request", `model ${route.servingName} has no signature ${sigKey}`);
    const outputs = Object.keys(signature.outputs);
    const outputAlias = route.outputAlias ?? (outputs.length === 1 ? outputs[0] : "");
    if (!signature.outputs[outputAlias])
      throw new TfServingError(
        "bad_request",
        `model ${route.servingName}: output ${route.outputAlias ?? "(unset)"} is not one of ${outputs.join(", ")}; set outputAlias`,
      );
    const inputs = Object.keys(signature.inputs).sort();
    const features = route.features ?? inputs;
    if ([...features].sort().join(",") !== inputs.join(","))
      throw new TfServingError(
        "bad_request",
        `model ${route.servingName}: configured features ${features.join(",")} do not match its inputs ${inputs.join(",")}`,
      );
    return { route, spec: pinned, signature, outputAlias, features, version: meta.version };
  }

  /**
   * Scores candidates with ONE predict call. `columns` holds one array per feature, index i describing
   * candidate i (for an input shaped [-1, k], k values per candidate, flattened). Returns one score per
   * candidate, in input order, and the version that computed them. When that version has been unloaded
   * since its metadata was read (a newer one replaced it), the metadata is read again and the call made
   * once more.
   */
  async predictScores(modelName: string, columns: FeatureColumns): Promise<ScoredCandidates> {
    const resolving = this.resolve(modelName);
    const model = await resolving;
    try {
      return await this.scoreWith(model, modelName, columns);
    } catch (e) {
      if (!(e instanceof TfServingError && e.kind === "not_found")) throw e;
      this.forget(this.canonicalName(modelName), resolving);
      const fresh = await this.resolve(modelName);
      if (fresh.version === model.version) throw e;
      return this.scoreWith(fresh, modelName, columns);
    }
  }

  private async scoreWith(
    model: ResolvedModel,
    modelName: string,
    columns: FeatureColumns,
  ): Promise<ScoredCandidates> {
    const inputs = new Map<string, Tensor>();
    let n = -1;
    for (const alias of model.features) {
      const column = columns[alias];
      if (!column)
        throw new TfServingError(
          "bad_request",
          `predictScores(${modelName}): missing feature column ${alias}`,
        );
      const info = model.signature.inputs[alias];
      const inner = info.shape.slice(1);
      if (inner.some((d) => d < 0))
        throw new TfServingError(
          "bad_request",
          `input ${alias} has an unknown inner dimension [${info.shape.join(",")}]`,
        );
      const per = elementCount(inner);
      const rows = column.length / per;
      if (n < 0) n = rows;
      if (!Number.isInteger(rows) || rows !== n)
        throw new TfServingError(
          "bad_request",
          `predictScores(${modelName}): feature ${alias} has ${column.length} values, expected ${n < 0 ? "" : n * per} (${per} per candidate)`,
        );
      inputs.set(alias, columnTensor(alias, column, info.dtype, [n, ...inner]));
    }
    if (n === 0) return { scores: new Float32Array(0), version: model.version };
    const out = await this.transport.predict(model.spec, inputs, {
      [model.outputAlias]: model.signature.outputs[model.outputAlias].dtype,
    });
    const t = out.get(model.outputAlias) as Tensor;
    if (elementCount(t.dims) !== n || t.dims[0] !== n)
      throw new TfServingError(
        "server",
        `output ${model.outputAlias} has shape [${t.dims.join(",")}] for ${n} candidates`,
      );
    if (t.dtype === "DT_STRING")
      throw new TfServingError("server", `output ${model.outputAlias} is not numeric`);
    const scores =
      t.data instanceof Float32Array
        ? t.data
        : Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
    return { scores, version: model.version };
  }

  /** A raw predict call: tensors in, the named outputs back. */
  predict(
    spec: ServableSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputDtypes: Record<string, Tensor["dtype"]>,
  ): Promise<Map<string, Tensor>> {
    return this.transport.predict(spec, inputs, outputDtypes);
  }

  metadata(spec: ServableSpec): Promise<ModelMetadata> {
    return this.transport.metadata(spec);
  }

  status(servingName: string, version?: number): Promise<VersionStatusInfo[]> {
    return this.transport.status(servingName, version);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function columnTensor(alias: string, column: FeatureColumn, dtype: Tensor["dtype"], dims: number[]): Tensor {
  const t = allocTensor(dtype, dims);
  const values = column as ArrayLike<number | string>;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    switch (t.dtype) {
      case "DT_STRING":
        t.data[i] = Buffer.from(String(v), "utf8");
        break;
      case "DT_INT32":
      case "DT_INT64":
        if (typeof v !== "number" || !Number.isInteger(v))
          throw new TfServingError("bad_request", `feature ${alias}[${i}] = ${v} is not an integer`);
        if (t.dtype === "DT_INT32") t.data[i] = v;
        else t.data[i] = BigInt(v);
        break;
      case "DT_BOOL":
        t.data[i] = v ? 1 : 0;
        break;
      default:
        if (typeof v !== "number")
          throw new TfServingError("bad_request", `feature ${alias}[${i}] = ${v} is not a number`);
        t.data[i] = v;
    }
  }
  return t;
}

/**
 * Client options from the environment: TFSERVING_PROTOCOL (rest|grpc), TFSERVING_REST_URL,
 * TFSERVING_GRPC_ADDRESS, TFSERVING_TIMEOUT_MS, TFSERVING_REST_FORMAT (columnar|row) and TFSERVING_MODELS,
 * a JSON object of routes, e.g. {"neuralcf":{"servingName":"recmodel","outputAlias":"dense_2"}}.
 */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TfServingClientOptions {
  const protocol = env.TFSERVING_PROTOCOL ?? "rest";
  if (protocol !== "rest" && protocol !== "grpc")
    throw new Error(`TFSERVING_PROTOCOL must be rest or grpc, got ${protocol}`);
  const format = env.TFSERVING_REST_FORMAT ?? "columnar";
  if (format !== "columnar" && format !== "row")
    throw new Error(`TFSERVING_REST_FORMAT must be columnar or row, got ${format}`);
  const timeoutMs = Number(env.TFSERVING_TIMEOUT_MS ?? 1000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error(`TFSERVING_TIMEOUT_MS must be a positive number`);
  let models: Record<string, ModelRoute> | undefined;
  if (env.TFSERVING_MODELS) {
    try {
      models = JSON.parse(env.TFSERVING_MODELS);
    } catch (err) {
      throw new Error(`TFSERVING_MODELS is not valid JSON: ${(err as Error).message}`);
    }
  }
  return {
    protocol,
    restUrl: env.TFSERVING_REST_URL ?? "http://127.0.0.1:8501",
    grpcAddress: env.TFSERVING_GRPC_ADDRESS ?? "127.0.0.1:8500",
    timeoutMs,
    restFormat: format,
    models,
  };
}
