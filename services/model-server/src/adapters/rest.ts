/**
 * The TF Serving REST API on node:http: routing, body reading, and mapping TfError to TF's HTTP status and
 * `{ "error": … }` body. All model logic lives in Predictor / ModelRegistry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { parsePredictBody } from "../json-request.js";
import { metadataDocument, statusDocument } from "../metadata.js";
import type { Api, ServerMetrics } from "../metrics.js";
import type { ModelRegistry, ModelSpec } from "../model-registry.js";
import { DEFAULT_SIGNATURE, type Predictor } from "../predict.js";
import { asTfError, httpStatusFor, invalidArgument, TfCode, TfError } from "../tf-error.js";

const gunzipAsync = promisify(gunzip);

export interface RestOptions {
  maxBodyBytes: number;
  enableCors: boolean;
  /** Run timeout of a predict; 0: none. */
  timeoutMs: number;
}

const POST_RE =
  /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?:(predict|classify|regress)$/i;
const GET_RE = /^\/v1\/models(?:\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(\/metadata)?)?$/i;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(new BodyTooLarge(String(declared)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge(String(size)));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

function parseVersion(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)))
    throw invalidArgument(`Failed to convert version: ${s} to numeric.`);
  return Number(s);
}

function decodeSegment(s: string | undefined): string | undefined {
  return s === undefined ? undefined : decodeURIComponent(s);
}

export interface RestAdapter {
  server: Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createRestAdapter(
  registry: ModelRegistry,
  predictor: Predictor,
  metrics: ServerMetrics,
  opts: RestOptions,
): RestAdapter {
  const corsHeaders = opts.enableCors
    ? {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "POST, GET",
        "Access-Control-Allow-Headers": "Content-Type",
      }
    : {};

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    contentType = "application/json",
  ) => {
    res.writeHead(status, {
      "Content-Type": contentType,
      "Content-Length": Buffer.byteLength(body),
      ...corsHeaders,
    });
    res.end(body);
  };
  const sendError = (res: ServerResponse, err: TfError) =>
    send(res, httpStatusFor(err.code), `{ "error": ${JSON.stringify(err.message)} }`);

  async function body(req: IncomingMessage): Promise<Buffer> {
    const raw = await readBody(req, opts.maxBodyBytes);
    if (String(req.headers["content-encoding"] ?? "").toLowerCase() !== "gzip") return raw;
    try {
      return await gunzipAsync(raw, { maxOutputLength: opts.maxBodyBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new BodyTooLarge("gzip");
      throw invalidArgument(`Failed to decompress gzip body: ${(err as Error).message}`);
    }
  }

  /**
   * TF's run timeout. onnxruntime cannot be interrupted mid-run, so the answer goes out on time and the run
   * finishes (and releases its version) in the background; a request waiting for the runtime or a batch
   * stops waiting.
   */
  function withDeadline<T>(work: Promise<T>): Promise<T> {
    if (opts.timeoutMs <= 0) return work;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TfError(
              TfCode.DEADLINE_EXCEEDED,
              `Deadline exceeded: the request ran longer than --rest_api_timeout_in_ms=${opts.timeoutMs}`,
            ),
          ),
        opts.timeoutMs,
      );
    });
    work.catch(() => {}); // a late failure after the deadline has nobody to answer
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  async function handleV1(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "";
    let model = "";
    let api: Api = "status";
    const started = performance.now();
    let code = TfCode.OK;
    try {
      if (method === "OPTIONS") {
        const origin = String(req.headers.origin ?? "");
        if (!/^https?:\/\//.test(origin)) throw invalidArgument("Origin header is missing in CORS preflight");
        return send(res, 200, "");
      }
      const post = method === "POST" ? POST_RE.exec(path) : null;
      const get = method === "GET" ? GET_RE.exec(path) : null;
      if (!post && !get) throw invalidArgument(`Malformed request: ${method} ${path}`);
      const m = (post ?? get) as RegExpExecArray;
      let name: string | undefined;
      let label: string | undefined;
      try {
        name = decodeSegment(m[1]);
        label = decodeSegment(m[3]);
      } catch {
        throw invalidArgument(`Malformed request: ${method} ${path}`);
      }
      if (!name) throw invalidArgument("Missing model name in request.");
      model = name;
      const spec: ModelSpec = { name, version: parseVersion(m[2]), versionLabel: label };
      if (post) {
        const verb = post[4].toLowerCase() as "predict" | "classify" | "regress";
        api = verb;
        const payload = await body(req);
        if (verb === "predict")
          return send(res, 200, await withDeadline(predictor.predictJson(spec, payload)));
        classifyRegress(verb, spec, payload);
      }
      if (get?.[4]) {
        api = "metadata";
        const servable = registry.acquire(spec);
        try {
          return send(res, 200, JSON.stringify(metadataDocument(name, servable), null, 4));
        } finally {
          servable.release();
        }
      }
      api = "status";
      return send(res, 200, JSON.stringify(statusDocument(registry.status(name, spec.version)), null, 4));
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        code = TfCode.RESOURCE_EXHAUSTED;
        res.setHeader("Connection", "close");
        return send(
          res,
          413,
          `{ "error": ${JSON.stringify(`Request body exceeds the limit of ${opts.maxBodyBytes} bytes (--rest_max_body_bytes)`)} }`,
        );
      }
      const tf = asTfError(err);
      code = tf.code;
      return sendError(res, tf);
    } finally {
      metrics.record(model, api, "rest", TfCode[code], (performance.now() - started) / 1000);
    }
  }

  /** Wren serves predict signatures only, so :classify / :regress fail as TF fails them on a predict signature. */
  function classifyRegress(verb: "classify" | "regress", spec: ModelSpec, payload: Buffer): never {
    const parsed = parsePredictBody(payload);
    const servable = registry.acquire(spec);
    try {
      const key = parsed.signatureName || DEFAULT_SIGNATURE;
      const sig = servable.signature(key);
      if (!sig) throw invalidArgument(`Serving signature name: "${key}" not found in signature def`);
      const kind = verb === "classify" ? "classification" : "regression";
      throw invalidArgument(
        `Expected ${kind} signature method_name to be tensorflow/serving/${verb}. Was: ${sig.methodName}`,
      );
    } finally {
      servable.release();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (/^\/v1\//i.test(path) || /^\/v1$/i.test(path)) return handleV1(req, res, path);
    if (req.method === "GET" && path === "/healthz") return send(res, 200, '{"status":"ok"}');
    if (req.method === "GET" && path === "/readyz") {
      const ready = registry.ready();
      const models = Object.fromEntries(registry.managers().map((m) => [m.name, m.availableVersions()]));
      return send(res, ready ? 200 : 503, JSON.stringify({ ready, models }));
    }
    if (req.method === "GET" && (path === "/metrics" || path === "/monitoring/prometheus/metrics"))
      return send(res, 200, await metrics.text(), metrics.contentType);
    send(res, 404, "<html><body><h1>404 Not Found</h1></body></html>", "text/html");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendError(res, asTfError(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    listen: (port, host = "0.0.0.0") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const addr = server.address();
          resolve(typeof addr === "object" && addr ? addr.port : port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
