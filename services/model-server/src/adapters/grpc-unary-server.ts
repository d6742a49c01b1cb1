/**
 * A gRPC server for unary methods only, straight on node:http2 (gRPC over HTTP/2 as specified in
 * grpc/doc/PROTOCOL-HTTP2.md). TF Serving's APIs are all unary; @grpc/grpc-js's general server (call
 * objects, interceptor chains, metadata maps, per-call timers) cost as much CPU per Predict as the model.
 * Wire behaviour follows grpc-js's server where the spec leaves room: 415 for a non-gRPC content type,
 * UNIMPLEMENTED for an unknown method, identity/gzip/deflate request messages, INTERNAL for undecodable
 * ones, DEADLINE_EXCEEDED once grpc-timeout has passed. Each call gets the SERVER span the grpc-js
 * instrumentation would have made (`grpc.<service>/<method>`, rpc.* attributes), a child of the caller's
 * W3C trace context.
 */
import http2 from "node:http2";
import { gunzipSync, inflateSync } from "node:zlib";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { ATTR } from "@wren/telemetry";

const tracer = trace.getTracer("wren-model-server-grpc");

/** gRPC status codes used here (the rest come from handlers). */
export const GrpcStatus = {
  OK: 0,
  DEADLINE_EXCEEDED: 4,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;

/** What a handler throws to answer with a status other than OK. */
export interface GrpcStatusError {
  code: number;
  details: string;
}

export interface UnaryMethod<Req, Res> {
  /** `/package.Service/Method`, as in a proto-loader service definition. */
  path: string;
  requestDeserialize(bytes: Buffer): Req;
  responseSerialize(message: Res): Buffer;
  handler(request: Req): Promise<Res> | Res;
}

/** A method with its message types erased, so methods of different types fit one table. */
export type AnyUnaryMethod = UnaryMethod<unknown, unknown>;

export function unaryMethod<Req, Res>(method: UnaryMethod<Req, Res>): AnyUnaryMethod {
  return method as unknown as AnyUnaryMethod;
}

export interface UnaryGrpcServer {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets calls in flight answer (GOAWAY), destroys what is left after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const RESPONSE_HEADERS = { ":status": 200, "content-type": "application/grpc" };

/** grpc-message is percent-encoded UTF-8: every byte outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(details: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(details)) return details;
  let out = "";
  for (const byte of Buffer.from(details, "utf8"))
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

function isStatusError(e: unknown): e is GrpcStatusError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as GrpcStatusError).code === "number" &&
    typeof (e as GrpcStatusError).details === "string"
  );
}

/** Trailers-Only response: the status rides on the one HEADERS frame. */
function respondStatus(stream: http2.ServerHttp2Stream, status: GrpcStatusError, span?: Span): void {
  if (span) {
    span.setAttribute(ATTR.rpcGrpcStatusCode, status.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
  }
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(
    { ...RESPONSE_HEADERS, "grpc-status": status.code, "grpc-message": encodeGrpcMessage(status.details) },
    { endStream: true },
  );
}

/** The one length-prefixed message of a unary request, decompressed; or the status that refuses it. */
function unaryMessage(body: Buffer, encoding: string, path: string): Buffer | GrpcStatusError {
  if (body.length === 0)
    return { code: GrpcStatus.UNIMPLEMENTED, details: `Received no request message for method ${path}` };
  const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
  if (length < 0 || 5 + length > body.length)
    return { code: GrpcStatus.INTERNAL, details: "Truncated request message" };
  if (5 + length < body.length)
    return {
      code: GrpcStatus.UNIMPLEMENTED,
      details: `Received a second request message for method ${path}`,
    };
  const payload = body.subarray(5);
  if (body[0] === 0) return payload;
  if (encoding !== "gzip" && encoding !== "deflate")
    return {
      code: GrpcStatus.UNIMPLEMENTED,
      details: `Received message compressed with unsupported encoding "${encoding}"`,
    };
  try {
    return encoding === "gzip" ? gunzipSync(payload) : inflateSync(payload);
  } catch {
    return { code: GrpcStatus.INTERNAL, details: "Failed to decompress message" };
  }
}

/** A gRPC length-prefixed message, uncompressed. */
export function frameGrpcMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

function startSpan(path: string, headers: http2.IncomingHttpHeaders): Span {
  const [service, method] = path.slice(1).split("/");
  return tracer.startSpan(
    `grpc.${path.slice(1)}`,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR.rpcSystem]: "grpc", [ATTR.rpcService]: service, [ATTR.rpcMethod]: method },
    },
    propagation.extract(ROOT_CONTEXT, headers),
  );
}

async function answer(
  stream: http2.ServerHttp2Stream,
  method: AnyUnaryMethod,
  body: Buffer,
  encoding: string,
  deadline: number,
  span: Span,
): Promise<void> {
  try {
    const message = unaryMessage(body, encoding, method.path);
    if (!Buffer.isBuffer(message)) return respondStatus(stream, message, span);
    let request: unknown;
    try {
      request = method.requestDeserialize(message);
    } catch (e) {
      return respondStatus(
        stream,
        { code: GrpcStatus.INTERNAL, details: `Error deserializing request: ${(e as Error).message}` },
        span,
      );
    }
    let bytes: Buffer;
    try {
      const reply = await context.with(trace.setSpan(context.active(), span), () => method.handler(request));
      bytes = frameGrpcMessage(method.responseSerialize(reply));
    } catch (e) {
      const status = isStatusError(e)
        ? e
        : { code: GrpcStatus.INTERNAL, details: (e as Error)?.message ?? String(e) };
      return respondStatus(stream, status, span);
    }
    // The client has given up (and cancelled) by now: a late answer is not an answer.
    if (Date.now() > deadline)
      return respondStatus(
        stream,
        { code: GrpcStatus.DEADLINE_EXCEEDED, details: "Deadline exceeded" },
        span,
      );
    span.setAttribute(ATTR.rpcGrpcStatusCode, GrpcStatus.OK);
    if (stream.destroyed || stream.closed) return;
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once("wantTrailers", () =>
      stream.sendTrailers({ "grpc-status": GrpcStatus.OK, "grpc-message": "OK" }),
    );
    stream.end(bytes);
  } finally {
    span.end();
  }
}

function onStream(
  methods: Map<string, AnyUnaryMethod>,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
): void {
  // A reset or a broken connection surfaces here and in 'close'; the call is simply dropped.
  stream.on("error", () => {});
  const contentType = headers["content-type"];
  if (headers[":method"] !== "POST" || !contentType?.startsWith("application/grpc")) {
    stream.respond({ ":status": headers[":method"] !== "POST" ? 405 : 415 }, { endStream: true });
    return;
  }
  const path = headers[":path"] ?? "";
  const method = methods.get(path);
  if (!method) {
    stream.resume();
    respondStatus(stream, {
      code: GrpcStatus.UNIMPLEMENTED,
      details: `The server does not implement the method ${path}`,
    });
    return;
  }
  let deadline = Number.POSITIVE_INFINITY;
  const timeout = headers["grpc-timeout"];
  if (timeout !== undefined) {
    const m = TIMEOUT.exec(String(timeout));
    if (!m) {
      stream.resume();
      respondStatus(stream, {
        code: GrpcStatus.INTERNAL,
        details: `Invalid grpc-timeout value "${timeout}"`,
      });
      return;
    }
    deadline = Date.now() + Number(m[1]) * TIMEOUT_UNIT_MS[m[2]];
  }
  const encoding = String(headers["grpc-encoding"] ?? "identity");
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  stream.on("end", () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    // Started once the request is complete: a call the client abandons half-sent leaves no open span.
    // Whatever escapes (a stream that changed state under us) resets this call, never the process.
    answer(stream, method, body, encoding, deadline, startSpan(path, headers)).catch(() => {
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  });
}

export function createUnaryGrpcServer(methods: AnyUnaryMethod[]): UnaryGrpcServer {
  const byPath = new Map(methods.map((m) => [m.path, m]));
  // As grpc-js: Node's session memory cap otherwise refuses large batches with ENHANCE_YOUR_CALM.
  const server = http2.createServer({
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
    maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => onStream(byPath, stream, headers));
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as { port: number }).port);
        });
      }),
    close: (graceMs = 2000) =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const session of sessions) session.close();
        setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, graceMs).unref();
      }),
  };
}
