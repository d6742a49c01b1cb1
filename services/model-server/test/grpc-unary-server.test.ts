/**
 * The model server's gRPC transport (node:http2) on real sockets: grpc-js clients for what a gRPC client
 * does (compression, errors with odd characters, trace context), raw HTTP/2 for what no well-behaved
 * client sends (wrong method or content type, truncated or doubled messages, a past grpc-timeout).
 */
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createUnaryGrpcServer,
  type UnaryGrpcServer,
  unaryMethod,
} from "../src/adapters/grpc-unary-server.js";

const ECHO = "/test.Echo/Echo";
const SLOW = "/test.Echo/Slow";
const FAIL = "/test.Echo/Fail";
const text = {
  requestDeserialize: (b: Buffer) => b.toString("utf8"),
  responseSerialize: (s: string) => Buffer.from(s, "utf8"),
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slowEcho = unaryMethod({
  path: SLOW,
  ...text,
  handler: async (s: string) => {
    await sleep(150);
    return s;
  },
});
const ODD_DETAILS = 'bad input: 100% "ünïcödé" 🦜\nsecond line';

const spans = new InMemorySpanExporter();
let server: UnaryGrpcServer;
let port: number;
let client: grpc.Client;

beforeAll(async () => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = createUnaryGrpcServer([
    unaryMethod({ path: ECHO, ...text, handler: (s: string) => `echo:${s}` }),
    slowEcho,
    unaryMethod({
      path: FAIL,
      ...text,
      handler: () => {
        throw { code: grpc.status.INVALID_ARGUMENT, details: ODD_DETAILS };
      },
    }),
  ]);
  port = await server.listen(0, "127.0.0.1");
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.default_compression_algorithm": 2, // gzip: the server must inflate what it is sent
  });
});

afterAll(async () => {
  client?.close();
  await server?.close();
  trace.disable();
  propagation.disable();
});

function unary(path: string, arg: string, metadata = new grpc.Metadata()): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      path,
      (s: string) => Buffer.from(s, "utf8"),
      (b: Buffer) => b.toString("utf8"),
      arg,
      metadata,
      (err, value) => (err ? reject(err) : resolve(value as string)),
    ),
  );
}

interface RawAnswer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP/2 request with exactly the headers and bytes given. */
function raw(headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ...headers });
    const chunks: Buffer[] = [];
    let answer: Omit<RawAnswer, "body"> = { status: 0, headers: {}, trailers: {} };
    req.on("response", (h) => {
      answer = { ...answer, status: Number(h[":status"]), headers: h };
    });
    req.on("trailers", (t) => {
      answer = { ...answer, trailers: t };
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      session.close();
      resolve({ ...answer, body: Buffer.concat(chunks) });
    });
    req.end(body);
  });
}

function framed(payload: Buffer, compressed = false): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

const GRPC = { "content-type": "application/grpc", te: "trailers" };
/** grpc-status and grpc-message, from the trailers or, for a Trailers-Only answer, the headers. */
const statusOf = (a: RawAnswer) => {
  const h = a.trailers["grpc-status"] !== undefined ? a.trailers : a.headers;
  return { code: Number(h["grpc-status"]), message: h["grpc-message"] };
};

describe("gRPC unary transport on node:http2", () => {
  it("answers a grpc-js client, gzip-compressed request included, with grpc-status 0 in trailers", async () => {
    expect(await unary(ECHO, "hi")).toBe("echo:hi");
    const plain = await raw({ ":path": ECHO, ...GRPC }, framed(Buffer.from("raw")));
    expect(plain.status).toBe(200);
    expect(plain.headers["content-type"]).toBe("application/grpc");
    expect(plain.body.subarray(5).toString()).toBe("echo:raw");
    expect(plain.body.readUInt32BE(1)).toBe(plain.body.length - 5);
    expect(statusOf(plain).code).toBe(0);
    const deflated = await raw(
      { ":path": ECHO, ...GRPC, "grpc-encoding": "gzip" },
      framed(gzipSync(Buffer.from("zipped")), true),
    );
    expect(deflated.body.subarray(5).toString()).toBe("echo:zipped");
  });

  it("carries a handler's status and percent-encoded message, which grpc-js decodes back", async () => {
    const err = (await unary(FAIL, "x").catch((e) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe(ODD_DETAILS);
    const a = await raw({ ":path": FAIL, ...GRPC }, framed(Buffer.from("x")));
    expect(statusOf(a).message).toMatch(/^bad input: 100%25 "%C3%BCn%C3%AF/);
    expect(statusOf(a).message).not.toMatch(/[^\x20-\x7e]/);
  });

  it("refuses what is not a unary gRPC call with grpc-js's statuses", async () => {
    const unknown = (await unary("/test.Echo/Nope", "x").catch((e) => e)) as grpc.ServiceError;
    expect(unknown.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(unknown.details).toBe("The server does not implement the method /test.Echo/Nope");

    expect((await raw({ ":path": ECHO, "content-type": "application/json" }, Buffer.from("{}"))).status).toBe(
      415,
    );
    expect((await raw({ ":path": ECHO, ":method": "PUT", ...GRPC }, Buffer.alloc(0))).status).toBe(405);
    expect(statusOf(await raw({ ":path": ECHO, ...GRPC }, Buffer.alloc(0)))).toEqual({
      code: grpc.status.UNIMPLEMENTED,
      message: `Received no request message for method ${ECHO}`,
    });
    const truncated = framed(Buffer.from("abcdef")).subarray(0, 8);
    expect(statusOf(await raw({ ":path": ECHO, ...GRPC }, truncated))).toEqual({
      code: grpc.status.INTERNAL,
      message: "Truncated request message",
    });
    const two = Buffer.concat([framed(Buffer.from("a")), framed(Buffer.from("b"))]);
    expect(statusOf(await raw({ ":path": ECHO, ...GRPC }, two)).code).toBe(grpc.status.UNIMPLEMENTED);
    expect(
      statusOf(
        await raw({ ":path": ECHO, ...GRPC, "grpc-encoding": "snappy" }, framed(Buffer.from("a"), true)),
      ),
    ).toEqual({
      code: grpc.status.UNIMPLEMENTED,
      message: 'Received message compressed with unsupported encoding "snappy"',
    });
    expect(
      statusOf(
        await raw({ ":path": ECHO, ...GRPC, "grpc-encoding": "gzip" }, framed(Buffer.from("no"), true)),
      ),
    ).toEqual({ code: grpc.status.INTERNAL, message: "Failed to decompress message" });
    expect(
      statusOf(await raw({ ":path": ECHO, ...GRPC, "grpc-timeout": "soon" }, framed(Buffer.from("a")))),
    ).toEqual({ code: grpc.status.INTERNAL, message: 'Invalid grpc-timeout value "soon"' });
  });

  it("answers DEADLINE_EXCEEDED, not the late result, once grpc-timeout has passed", async () => {
    const late = await raw({ ":path": SLOW, ...GRPC, "grpc-timeout": "50m" }, framed(Buffer.from("a")));
    expect(statusOf(late)).toEqual({ code: grpc.status.DEADLINE_EXCEEDED, message: "Deadline exceeded" });
    expect(late.body.length).toBe(0);
    const inTime = await raw({ ":path": SLOW, ...GRPC, "grpc-timeout": "5S" }, framed(Buffer.from("a")));
    expect(inTime.body.subarray(5).toString()).toBe("a");
  });

  it("makes one SERVER span per call under the caller's trace context, with the gRPC status", async () => {
    spans.reset();
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const parentId = "b7ad6b7169203331";
    const md = new grpc.Metadata();
    md.set("traceparent", `00-${traceId}-${parentId}-01`);
    await unary(ECHO, "traced", md);
    await unary(FAIL, "traced", md).catch(() => undefined);
    const [ok, failed] = spans.getFinishedSpans();
    expect(ok.name).toBe("grpc.test.Echo/Echo");
    expect(ok.spanContext().traceId).toBe(traceId);
    expect(ok.parentSpanContext?.spanId).toBe(parentId);
    expect(ok.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "test.Echo",
      "rpc.method": "Echo",
      "rpc.grpc.status_code": 0,
    });
    expect(failed.attributes["rpc.grpc.status_code"]).toBe(grpc.status.INVALID_ARGUMENT);
    expect(failed.status.message).toBe(ODD_DETAILS);
  });

  it("on close, lets a call in flight answer and refuses new connections", async () => {
    const own = createUnaryGrpcServer([slowEcho]);
    const ownPort = await own.listen(0, "127.0.0.1");
    const c = new grpc.Client(`127.0.0.1:${ownPort}`, grpc.credentials.createInsecure());
    const inFlight = new Promise<string>((resolve, reject) =>
      c.makeUnaryRequest(
        SLOW,
        (s: string) => Buffer.from(s),
        (b: Buffer) => b.toString(),
        "still here",
        (err, v) => (err ? reject(err) : resolve(v as string)),
      ),
    );
    await sleep(50);
    await Promise.all([own.close(), expect(inFlight).resolves.toBe("still here")]);
    c.close();
    const session = http2.connect(`http://127.0.0.1:${ownPort}`);
    const refused = await new Promise((resolve) => session.once("error", resolve));
    expect((refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });
});
