/** TF Serving over REST with an undici keep-alive pool. */
import { Pool, errors as undiciErrors } from "undici";
import { kindForHttpStatus, TfServingError } from "./errors.js";
import { numericOutputFromJson } from "./json-numeric-response.js";
import { int32ListJson, nestedJson, parseTfJson, tensorFromJson } from "./json-tensor.js";
import type { ModelMetadata } from "./signature-info.js";
import { signaturesFromDoc } from "./signature-info.js";
import { elementCount, type Tensor } from "./tensor.js";
import type { ServableSpec, Transport, VersionStatusInfo } from "./transport.js";

export interface RestTransportOptions {
  /** e.g. http://127.0.0.1:8501 */
  url: string;
  timeoutMs: number;
  /** "columnar" (`inputs`, default: smaller and faster to parse) or "row" (`instances`). */
  format: "columnar" | "row";
  connections: number;
}

function servablePath(spec: ServableSpec): string {
  let p = `/v1/models/${encodeURIComponent(spec.name)}`;
  if (spec.version !== undefined) p += `/versions/${spec.version}`;
  else if (spec.versionLabel) p += `/labels/${encodeURIComponent(spec.versionLabel)}`;
  return p;
}

function requestBody(
  spec: ServableSpec,
  inputs: ReadonlyMap<string, Tensor>,
  format: "columnar" | "row",
): string | Buffer {
  const sig = spec.signatureName ? `"signature_name":${JSON.stringify(spec.signatureName)},` : "";
  if (format === "columnar") {
    const chunks: Buffer[] = [];
    let text = `{${sig}"inputs":{`;
    let first = true;
    for (const [alias, t] of inputs) {
      text += `${first ? "" : ","}${JSON.stringify(alias)}:`;
      first = false;
      // Id columns, the usual input, as bytes; anything else as text.
      if (t.dtype === "DT_INT32" && t.dims.length === 1) {
        chunks.push(Buffer.from(text), int32ListJson(t.data as Int32Array));
        text = "";
      } else text += nestedJson(t, 0, t.dims);
    }
    chunks.push(Buffer.from(`${text}}}`));
    return Buffer.concat(chunks);
  }
  const entries = [...inputs];
  const n = entries[0][1].dims[0];
  const keys = entries.map(([alias]) => `${JSON.stringify(alias)}:`);
  const rows: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let row = "{";
    entries.forEach(([, t], k) => {
      const inner = t.dims.slice(1);
      row += `${k > 0 ? "," : ""}${keys[k]}${nestedJson(t, i * elementCount(inner), inner)}`;
    });
    rows[i] = `${row}}`;
  }
  return `{${sig}"instances":[${rows.join(",")}]}`;
}

/** As undici's body.text(): UTF-8, a leading BOM dropped. */
const utf8 = new TextDecoder();

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return parseTfJson(utf8.decode(bytes));
  } catch (err) {
    throw new TfServingError("server", `invalid JSON from ${path}: ${(err as Error).message}`, 200, {
      cause: err,
    });
  }
}

export class RestTransport implements Transport {
  private readonly pool: Pool;

  constructor(private readonly opts: RestTransportOptions) {
    this.pool = new Pool(opts.url, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /** The body of a 200 answer; any other status becomes a TfServingError with TF's message. */
  private async callBytes(method: "GET" | "POST", path: string, body?: string | Buffer): Promise<Uint8Array> {
    // A timer cleared on completion, not AbortSignal.timeout: that one fires after every finished call
    // too, building a DOMException each time.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException("timed out", "TimeoutError")),
      this.opts.timeoutMs,
    );
    let res: Awaited<ReturnType<Pool["request"]>>;
    let bytes: Uint8Array;
    try {
      res = await this.pool.request({
        method,
        path,
        body,
        headers: body ? { "content-type": "application/json" } : undefined,
        signal: abort.signal,
      });
      bytes = new Uint8Array(await res.body.arrayBuffer());
    } catch (err) {
      throw this.transportError(err);
    } finally {
      clearTimeout(timer);
    }
    if (res.statusCode !== 200) {
      const text = utf8.decode(bytes);
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not a TF error body; keep the text
      }
      throw new TfServingError(kindForHttpStatus(res.statusCode), message, res.statusCode);
    }
    return bytes;
  }

  private async call(method: "GET" | "POST", path: string, body?: string): Promise<unknown> {
    return parseJson(await this.callBytes(method, path, body), path);
  }

  private transportError(err: unknown): TfServingError {
    const e = err as Error & { code?: string };
    if (
      e.name === "TimeoutError" ||
      e.name === "AbortError" ||
      e instanceof undiciErrors.HeadersTimeoutError ||
      e instanceof undiciErrors.BodyTimeoutError
    )
      return new TfServingError(
        "timeout",
        `TF Serving REST call timed out after ${this.opts.timeoutMs} ms`,
        undefined,
        { cause: err },
      );
    return new TfServingError(
      "unavailable",
      `TF Serving REST at ${this.opts.url} unreachable: ${e.code ?? e.message}`,
      undefined,
      {
        cause: err,
      },
    );
  }

  async predict(
    spec: ServableSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputDtypes: Record<string, Tensor["dtype"]>,
  ): Promise<Map<string, Tensor>> {
    const path = `${servablePath(spec)}:predict`;
    const bytes = await this.callBytes("POST", path, requestBody(spec, inputs, this.opts.format));
    const aliases = Object.keys(outputDtypes);
    if (aliases.length === 1) {
      const field = this.opts.format === "columnar" ? "outputs" : "predictions";
      const scores = numericOutputFromJson(bytes, field, outputDtypes[aliases[0]]);
      if (scores) return new Map([[aliases[0], scores]]);
    }
    const doc = parseJson(bytes, path) as { predictions?: unknown; outputs?: unknown };
    const out = new Map<string, Tensor>();
    try {
      if (this.opts.format === "columnar") {
        if (aliases.length === 1) out.set(aliases[0], tensorFromJson(doc.outputs, outputDtypes[aliases[0]]));
        else
          for (const a of aliases)
            out.set(a, tensorFromJson((doc.outputs as Record<string, unknown>)[a], outputDtypes[a]));
      } else {
        const rows = doc.predictions as unknown[];
        if (aliases.length === 1) out.set(aliases[0], tensorFromJson(rows, outputDtypes[aliases[0]]));
        else
          for (const a of aliases)
            out.set(
              a,
              tensorFromJson(
                rows.map((r) => (r as Record<string, unknown>)[a]),
                outputDtypes[a],
              ),
            );
      }
    } catch (err) {
      throw new TfServingError("server", `unexpected predict response: ${(err as Error).message}`, 200, {
        cause: err,
      });
    }
    return out;
  }

  async metadata(spec: ServableSpec): Promise<ModelMetadata> {
    const doc = (await this.call("GET", `${servablePath(spec)}/metadata`)) as {
      model_spec?: { version?: string };
      metadata?: { signature_def?: { signature_def?: Parameters<typeof signaturesFromDoc>[0] } };
    };
    return {
      version: Number(doc.model_spec?.version ?? 0),
      signatures: signaturesFromDoc(doc.metadata?.signature_def?.signature_def ?? {}, (d) => String(d)),
    };
  }

  async status(name: string, version?: number): Promise<VersionStatusInfo[]> {
    const doc = (await this.call("GET", servablePath({ name, version }))) as {
      model_version_status?: Array<{
        version: string;
        state: string;
        status?: { error_code?: string; error_message?: string };
      }>;
    };
    return (doc.model_version_status ?? []).map((s) => ({
      version: Number(s.version),
      state: s.state,
      errorCode: s.status?.error_code ?? "OK",
      errorMessage: s.status?.error_message ?? "",
    }));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
