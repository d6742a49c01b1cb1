/**
 * Model server predict benchmark: NeuralCF-shaped model (30001 users, 1001 movies, dim 10), 800 instances
 * per request (the reference's candidate count), concurrency 1 and 8, over REST row, REST columnar and gRPC.
 * Floors measured in the same run:
 *   (a) onnxruntime-node in-process on the same batches (no transport at all);
 *   (b) a bare node:http server (own process, like the model server) that reads the same body, JSON.parses
 *       it and returns a precomputed answer of the same size;
 *   (b+) for context: floor (b) that also runs the model on the parsed columnar body, still answering the
 *       precomputed bytes — the ceiling for REST columnar's ratio, since the model is no transport cost;
 *   (c) for context, not a target: the same process serving gRPC on the model server's own transport
 *       (node:http2), whose Predict decodes the request and returns precomputed response bytes — what gRPC
 *       costs with no model behind it.
 * gRPC Predict runs twice: from grpc-js (the ranking service's client) and, for context, from a bare
 * node:http2 client, which shows the server's side without grpc-js's client cost.
 * Targets: REST ≥ 0.6× the transport floor per format; gRPC ≥ REST row. Besides req/s, each server-side
 * cell prints the server process tree's CPU time per request (from /proc) and this client process's, and
 * the same ratios by server CPU: on a shared machine wall-clock throughput swings with other load, CPU per
 * request much less. The cells run in interleaved rounds for the same reason.
 *
 *   pnpm exec tsx bench/model-server-predict.ts [--seconds=3] [--rounds=3] [--workers=1] [--instances=800]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import http2 from "node:http2";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "@wren/testing";
import { MODEL_FILE, writeModelVersion } from "../packages/onnx/src/index.js";
import { buildNeuralCfFixture } from "../packages/onnx/src/testing/neuralcf-fixture.js";
import {
  decodePredictResponse,
  encodePredictRequest,
  encodePredictResponse,
  GRPC_CHANNEL_OPTIONS,
  loadTfServingProtos,
  type PredictRequestMessage,
  type PredictResponseMessage,
  tensorToProto,
} from "../packages/tfserving-client/src/index.js";
import {
  createUnaryGrpcServer,
  frameGrpcMessage,
  unaryMethod,
} from "../services/model-server/src/adapters/grpc-unary-server.js";
import { treeCpuMs } from "./proc-cpu.js";
import { Pool, type PoolLike } from "./undici-pool.js";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
// bench/ has no package.json: take third-party modules from the packages that depend on them.
const fromClient = createRequire(join(repoRoot, "packages/tfserving-client/package.json"));
const fromServer = createRequire(join(repoRoot, "services/model-server/package.json"));
interface GrpcClientLike {
  close(): void;
}
const grpc = fromClient("@grpc/grpc-js") as { credentials: { createInsecure(): never } };
interface OrtTensor {
  readonly dims: readonly number[];
}
const ort = fromServer("onnxruntime-node") as {
  Tensor: new (type: string, data: Int32Array, dims: number[]) => OrtTensor;
  InferenceSession: {
    create(
      model: Uint8Array,
      o: object,
    ): Promise<{ run(feeds: Record<string, OrtTensor>): Promise<unknown>; release(): Promise<void> }>;
  };
};
const thisFile = fileURLToPath(import.meta.url);
/** The floor's path that also runs the model on the parsed columns (the answer stays precomputed). */
const WITH_MODEL = "/with-model";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    workers: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
    instances: { type: "string", default: "800" },
    "serve-floor": { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(
    "pnpm exec tsx bench/model-server-predict.ts [--seconds=3] [--rounds=3] [--workers=1] [--instances=800]",
  );
  process.exit(0);
}

/**
 * Floors (b) and (c), run as their own process: parse the body or decode the message, answer with the
 * precomputed response.
 */
if (args["serve-floor"]) {
  const { port, grpcPort, row, columnar, grpcAnswer, modelFile } = JSON.parse(args["serve-floor"]) as {
    port: number;
    grpcPort: number;
    row: string;
    columnar: string;
    grpcAnswer: string;
    modelFile: string;
  };
  const session = await ort.InferenceSession.create(readFileSync(modelFile), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const answer = Buffer.from(grpcAnswer, "base64");
  const { Predict } = loadTfServingProtos().predictionService;
  // The model server's own gRPC transport, with the request decoded by the Predict codec.
  void createUnaryGrpcServer([
    unaryMethod({
      path: Predict.path,
      requestDeserialize: Predict.requestDeserialize,
      responseSerialize: (b: Buffer) => b,
      handler: () => answer,
    }),
  ]).listen(grpcPort, "127.0.0.1");
  createServer((req, res) => {
    if (req.method !== "POST") return void res.end("floor");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (req.url === WITH_MODEL) {
        const { userId, movieId } = doc.inputs as { userId: number[]; movieId: number[] };
        await session.run({
          userId: new ort.Tensor("int32", Int32Array.from(userId), [userId.length]),
          movieId: new ort.Tensor("int32", Int32Array.from(movieId), [movieId.length]),
        });
      }
      const body = doc.instances ? row : columnar;
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
  }).listen(port, "127.0.0.1", () => process.stderr.write("floor ready\n"));
} else {
  await main();
}

/**
 * One unary gRPC call on a bare node:http2 session: encode, frame, send, read the framed answer and the
 * trailers. What a lean gRPC client does, as a load generator that costs the server's side nothing extra.
 */
function bareUnary(session: http2.ClientHttp2Session, message: PredictRequestMessage): Promise<Uint8Array> {
  const framed = frameGrpcMessage(encodePredictRequest(message));
  return new Promise((resolve, reject) => {
    const req = session.request({
      ":method": "POST",
      ":path": "/tensorflow.serving.PredictionService/Predict",
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    // The status rides on the trailers, or on the headers of a Trailers-Only (error) answer.
    const check = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined && String(h["grpc-status"]) !== "0")
        reject(new Error(`grpc-status ${h["grpc-status"]}: ${h["grpc-message"]}`));
    };
    req.on("response", check);
    req.on("trailers", check);
    req.on("end", () => resolve(Buffer.concat(chunks).subarray(5)));
    req.on("error", reject);
    req.end(framed);
  });
}

function spawnTsx(script: string, argv: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", script, ...argv], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function waitHttp(url: string, ok: (status: number) => boolean): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if (ok((await fetch(url)).status)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  /** CPU milliseconds the server process tree spent per request: robust on a shared, overloaded machine. */
  cpuPerReq?: number;
  /** CPU milliseconds this (client) process spent per request: what the client library costs. */
  clientCpuPerReq?: number;
}

interface Cell {
  /** Server process to charge CPU to; none for an in-process cell. */
  pid?: number;
  fire: () => Promise<void>;
}

/** What one cell has gathered over its rounds. */
interface Tally {
  latencies: number[];
  seconds: number;
  serverCpuMs: number;
  clientCpuMs: number;
}

/** One timed round of a cell: closed loop at `concurrency`, after 300 ms of warm-up. */
async function round(cell: Cell, concurrency: number, seconds: number, into: Tally): Promise<void> {
  const warmUntil = performance.now() + 300;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmUntil) await cell.fire();
    }),
  );
  const serverBefore = cell.pid === undefined ? 0 : treeCpuMs(cell.pid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await cell.fire();
        into.latencies.push(performance.now() - t0);
      }
    }),
  );
  into.seconds += (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  into.clientCpuMs += (client.user + client.system) / 1000;
  if (cell.pid !== undefined) into.serverCpuMs += treeCpuMs(cell.pid) - serverBefore;
}

/**
 * Runs the cells in turn, `rounds` times over, so that a slow spell of a shared machine falls on every
 * cell alike rather than on whichever ran then; the ratios between cells are what the run reports.
 */
async function measureInterleaved(
  cells: Cell[],
  concurrency: number,
  seconds: number,
  rounds: number,
): Promise<Result[]> {
  const tallies = cells.map((): Tally => ({ latencies: [], seconds: 0, serverCpuMs: 0, clientCpuMs: 0 }));
  for (let r = 0; r < rounds; r++)
    for (const [i, cell] of cells.entries()) await round(cell, concurrency, seconds / rounds, tallies[i]);
  return tallies.map((t, i) => {
    const lat = t.latencies.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    return {
      rps: lat.length / t.seconds,
      p50: q(0.5),
      p99: q(0.99),
      cpuPerReq: cells[i].pid === undefined ? undefined : t.serverCpuMs / lat.length,
      clientCpuPerReq: t.clientCpuMs / lat.length,
    };
  });
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const workers = Number(args.workers);
  const rounds = Number(args.rounds);
  const n = Number(args.instances);
  const root = await mkdtemp(join(tmpdir(), "wren-bench-"));
  const fx = buildNeuralCfFixture({ seed: 1 });
  const { dir: versionDir } = await writeModelVersion(root, "recmodel", fx);
  const users = Array.from({ length: n }, (_, i) => (i * 7919) % 30001);
  const movies = Array.from({ length: n }, (_, i) => (i * 104729) % 1001);
  const rowBody = JSON.stringify({ instances: users.map((u, i) => ({ userId: u, movieId: movies[i] })) });
  const colBody = JSON.stringify({ inputs: { userId: users, movieId: movies } });
  const children: ChildProcess[] = [];
  const pools: PoolLike[] = [];
  let grpcClient: GrpcClientLike | undefined;
  let grpcFloorClient: GrpcClientLike | undefined;
  const sessions: http2.ClientHttp2Session[] = [];
  try {
    // Floor (a): onnxruntime in-process on the same batch.
    const session = await ort.InferenceSession.create(fx.onnx, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    const feeds = {
      userId: new ort.Tensor("int32", Int32Array.from(users), [n]),
      movieId: new ort.Tensor("int32", Int32Array.from(movies), [n]),
    };
    const [ortFloor] = await measureInterleaved(
      [
        {
          fire: async () => {
            await session.run(feeds);
          },
        },
      ],
      1,
      seconds,
      1,
    );

    const [rest, grpcPort, floorPort, grpcFloorPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    children.push(
      spawnTsx("services/model-server/src/main.ts", [
        "--model_name=recmodel",
        `--model_base_path=${join(root, "recmodel")}`,
        `--port=${grpcPort}`,
        `--rest_api_port=${rest}`,
        "--bind_address=127.0.0.1",
        `--workers=${workers}`,
      ]),
    );
    await waitHttp(`http://127.0.0.1:${rest}/readyz`, (s) => s === 200);
    const restPool = new Pool(`http://127.0.0.1:${rest}`, { connections: 8 });
    pools.push(restPool);
    const post = async (pool: PoolLike, body: string, path = "/v1/models/recmodel:predict") => {
      const res = await pool.request({
        method: "POST",
        path,
        body,
        headers: { "content-type": "application/json" },
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
      return text;
    };
    const rowAnswer = await post(restPool, rowBody);
    const colAnswer = await post(restPool, colBody);

    const protos = loadTfServingProtos();
    // The channel options the ranking service's GrpcTransport uses.
    grpcClient = new protos.PredictionServiceClient(
      `127.0.0.1:${grpcPort}`,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    const message: PredictRequestMessage = {
      modelSpec: { name: "recmodel", signatureName: "" },
      inputs: new Map([
        ["userId", tensorToProto({ dtype: "DT_INT32", dims: [n], data: Int32Array.from(users) }, true)],
        ["movieId", tensorToProto({ dtype: "DT_INT32", dims: [n], data: Int32Array.from(movies) }, true)],
      ]),
      outputFilter: [],
    };
    type PredictFn = (m: unknown, cb: (e: Error | null, r?: PredictResponseMessage) => void) => void;
    const predictVia = (c: GrpcClientLike) => (): Promise<PredictResponseMessage> =>
      new Promise((res, rej) =>
        (c as unknown as { Predict: PredictFn }).Predict(message, (e, r) => (e || !r ? rej(e) : res(r))),
      );
    const grpcAnswer = Buffer.from(encodePredictResponse(await predictVia(grpcClient)())).toString("base64");

    const floorConfig = {
      modelFile: join(versionDir, MODEL_FILE),
      port: floorPort,
      grpcPort: grpcFloorPort,
      row: rowAnswer,
      columnar: colAnswer,
      grpcAnswer,
    };
    children.push(spawnTsx(thisFile, [`--serve-floor=${JSON.stringify(floorConfig)}`]));
    await waitHttp(`http://127.0.0.1:${floorPort}/`, () => true);
    const floorPool = new Pool(`http://127.0.0.1:${floorPort}`, { connections: 8 });
    pools.push(floorPool);
    grpcFloorClient = new protos.PredictionServiceClient(
      `127.0.0.1:${grpcFloorPort}`,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    const grpcPredict = async () => void (await predictVia(grpcClient as GrpcClientLike)());
    const grpcFloorPredict = async () => void (await predictVia(grpcFloorClient as GrpcClientLike)());
    const bareSession = http2.connect(`http://127.0.0.1:${grpcPort}`);
    sessions.push(bareSession);
    const bareGrpcPredict = async () => void decodePredictResponse(await bareUnary(bareSession, message));

    console.log(
      `model-server predict benchmark: ${n} instances/request, ${seconds}s per cell in ${rounds} interleaved rounds, server --workers=${workers}`,
    );
    console.log(
      `floor (a) onnxruntime in-process: ${ortFloor.rps.toFixed(0)} runs/s, p50 ${ortFloor.p50.toFixed(3)} ms`,
    );
    const fmt = (r: Result) =>
      `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  CPU ms/req: server ${(r.cpuPerReq ?? 0).toFixed(2)} client ${(r.clientCpuPerReq ?? 0).toFixed(2)}`;
    const serverPid = children[0].pid as number;
    const floorPid = children[1].pid as number;
    for (const c of [1, 8]) {
      const [floorRow, floorCol, floorColModel, restRow, restCol, viaGrpc, viaBareGrpc, floorGrpc] =
        await measureInterleaved(
          [
            { pid: floorPid, fire: async () => void (await post(floorPool, rowBody)) },
            { pid: floorPid, fire: async () => void (await post(floorPool, colBody)) },
            { pid: floorPid, fire: async () => void (await post(floorPool, colBody, WITH_MODEL)) },
            { pid: serverPid, fire: async () => void (await post(restPool, rowBody)) },
            { pid: serverPid, fire: async () => void (await post(restPool, colBody)) },
            { pid: serverPid, fire: grpcPredict },
            { pid: serverPid, fire: bareGrpcPredict },
            { pid: floorPid, fire: grpcFloorPredict },
          ],
          c,
          seconds,
          rounds,
        );
      const cpuRatio = (floor: Result, r: Result) => ((floor.cpuPerReq ?? 0) / (r.cpuPerReq ?? 1)).toFixed(2);
      console.log(`\nconcurrency ${c}`);
      console.log(`  floor (b) node:http row      ${fmt(floorRow)}`);
      console.log(`  floor (b) node:http columnar ${fmt(floorCol)}`);
      console.log(
        `  floor (b) + onnxruntime run  ${fmt(floorColModel)}   ${(floorColModel.rps / floorCol.rps).toFixed(2)}× floor req/s, ${cpuRatio(floorCol, floorColModel)}× by CPU: the most any server that runs the model can reach`,
      );
      console.log(
        `  REST row (instances)         ${fmt(restRow)}   ${(restRow.rps / floorRow.rps).toFixed(2)}× floor req/s, ${cpuRatio(floorRow, restRow)}× by CPU (target ≥ 0.6)`,
      );
      console.log(
        `  REST columnar (inputs)       ${fmt(restCol)}   ${(restCol.rps / floorCol.rps).toFixed(2)}× floor req/s, ${cpuRatio(floorCol, restCol)}× by CPU (target ≥ 0.6)`,
      );
      console.log(
        `  gRPC Predict                 ${fmt(viaGrpc)}   ${(viaGrpc.rps / restRow.rps).toFixed(2)}× REST row req/s, ${cpuRatio(restRow, viaGrpc)}× by CPU (target ≥ 1)`,
      );
      console.log(
        `  gRPC Predict, bare HTTP/2 client ${fmt(viaBareGrpc)}   ${(viaBareGrpc.rps / restRow.rps).toFixed(2)}× REST row req/s: the same server without grpc-js's client cost (context)`,
      );
      console.log(
        `  floor (c) bare gRPC transport ${fmt(floorGrpc)}   ${(floorGrpc.rps / restRow.rps).toFixed(2)}× REST row req/s with no model behind it; gRPC Predict is ${(viaGrpc.rps / floorGrpc.rps).toFixed(2)}× its req/s`,
      );
      console.log(
        `  model share: onnxruntime ${ortFloor.p50.toFixed(3)} ms per batch of REST columnar's ${(restCol.cpuPerReq ?? 0).toFixed(2)} ms server CPU per request`,
      );
    }
    await session.release();
  } finally {
    grpcClient?.close();
    grpcFloorClient?.close();
    for (const session of sessions) session.close();
    await Promise.all(pools.map((p) => p.close()));
    for (const child of children) child.kill("SIGTERM");
    await rm(root, { recursive: true, force: true });
  }
}
