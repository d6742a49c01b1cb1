import { WrenError } from "@wren/contracts";
import { Pool } from "undici";
import type { InputColumns, ModelInfo, RankPorts } from "../domain/ports.js";

interface MetadataDoc {
  model_spec?: { name?: string; version?: string | number };
  metadata?: { signature_def?: { signature_def?: Record<string, { inputs?: Record<string, unknown> }> } };
}

/**
 * The TF Serving REST API (`/v1/models/...`), so a real TensorFlow Serving is a drop-in for ours:
 * `GET .../metadata` tells the serving version and the signature's input names (= the features to
 * fetch); `POST .../versions/<v>:predict` with columnar `inputs` pins the scores to that version.
 * Metadata is cached for `metadataTtlMs`; a version that disappears (404) is re-resolved once.
 */
export class TfServingRest implements Pick<RankPorts, "model" | "predict"> {
  private readonly pool: Pool;
  private readonly cache = new Map<string, { info: ModelInfo; at: number }>();

  constructor(
    baseUrl: string,
    private readonly options: { metadataTtlMs: number; connections: number },
  ) {
    this.pool = new Pool(baseUrl, { connections: options.connections, pipelining: 1 });
  }

  async model(name: string, budgetMs: number): Promise<ModelInfo> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < this.options.metadataTtlMs) return hit.info;
    const { status, body } = await this.call(
      "GET",
      `/v1/models/${encodeURIComponent(name)}/metadata`,
      budgetMs,
    );
    if (status === 404) throw WrenError.badRequest(`model: unknown model ${JSON.stringify(name)}`);
    if (status !== 200) throw WrenError.unavailable(`model server answered ${status} for ${name} metadata`);
    const doc = body as MetadataDoc;
    const sig = doc.metadata?.signature_def?.signature_def?.serving_default;
    const version = Number(doc.model_spec?.version);
    if (!sig?.inputs || !Number.isInteger(version)) {
      throw WrenError.unavailable(
        `model server metadata of ${name} has no serving_default signature or version`,
      );
    }
    const info: ModelInfo = { name, version, inputs: Object.keys(sig.inputs) };
    this.cache.set(name, { info, at: Date.now() });
    return info;
  }

  async predict(
    model: ModelInfo,
    inputs: InputColumns,
    budgetMs: number,
  ): Promise<{ scores: number[]; version: number }> {
    const started = Date.now();
    const path = `/v1/models/${encodeURIComponent(model.name)}/versions/${model.version}:predict`;
    const payload = JSON.stringify({ signature_name: "serving_default", inputs });
    const { status, body } = await this.call("POST", path, budgetMs, payload);
    if (status === 404) {
      // The version was unloaded (a newer one took over): resolve again and retry once.
      this.cache.delete(model.name);
      const fresh = await this.model(model.name, budgetMs - (Date.now() - started));
      if (fresh.version === model.version)
        throw WrenError.unavailable(`model ${model.name} has no version ${model.version}`);
      return this.predict(fresh, inputs, budgetMs - (Date.now() - started));
    }
    if (status !== 200) {
      const msg = (body as { error?: string } | null)?.error ?? `status ${status}`;
      throw WrenError.unavailable(`model server predict failed: ${msg}`);
    }
    return { scores: flattenOutputs((body as { outputs?: unknown }).outputs), version: model.version };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call(
    method: "GET" | "POST",
    path: string,
    budgetMs: number,
    payload?: string,
  ): Promise<{ status: number; body: unknown }> {
    const timeout = Math.max(1, Math.floor(budgetMs));
    const res = await this.pool.request({
      method,
      path,
      body: payload,
      headers: payload ? { "content-type": "application/json" } : undefined,
      signal: AbortSignal.timeout(timeout),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: text.slice(0, 200) };
    }
    return { status: res.statusCode, body };
  }
}

/** `outputs` of a columnar predict: `[[s0],[s1],…]` / `[s0,…]` for one output, or `{name: …}` for several. */
export function flattenOutputs(outputs: unknown): number[] {
  let tensor = outputs;
  if (tensor && typeof tensor === "object" && !Array.isArray(tensor)) tensor = Object.values(tensor)[0];
  if (!Array.isArray(tensor)) throw WrenError.unavailable("model server answered without outputs");
  return tensor.map((row) => Number(Array.isArray(row) ? row[0] : row));
}
