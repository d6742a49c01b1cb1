/**
 * The client against Wren's model server started as its own process exactly as a TF Serving deployment of
 * the reference would be (`--model_name recmodel`), over REST (both formats) and gRPC; plus timeouts and
 * unavailability against real sockets.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture, neuralCfScore } from "@wren/onnx/testing";
import { freePort } from "@wren/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTfServingProtos, TfServingClient, TfServingError } from "../src/index.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

let child: ChildProcess;
let root: string;
let restPort: number;
let grpcPort: number;
const fx = buildNeuralCfFixture({ seed: 21, userBuckets: 501, movieBuckets: 301 });
const users = Array.from({ length: 800 }, (_, i) => (i * 31) % 501);
const movies = Array.from({ length: 800 }, (_, i) => (i * 17) % 301);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wren-tfs-client-"));
  await writeModelVersion(root, "neuralcf", fx);
  [restPort, grpcPort] = [await freePort(), await freePort()];
  child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "services/model-server/src/main.ts",
      "--model_name=recmodel",
      `--model_base_path=${join(root, "neuralcf")}`,
      `--port=${grpcPort}`,
      `--rest_api_port=${restPort}`,
      "--bind_address=127.0.0.1",
    ],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`model server exited: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${restPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`model server did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await rm(root, { recursive: true, force: true });
});

const expected = users.map((u, i) => neuralCfScore(fx.weights, u, movies[i]));

describe("TfServingClient against the model server serving the reference's name and signature", () => {
  const configs = [
    ["REST columnar", { protocol: "rest", restFormat: "columnar" }],
    ["REST row", { protocol: "rest", restFormat: "row" }],
    ["gRPC (tensor_content)", { protocol: "grpc" }],
    ["gRPC (int_val)", { protocol: "grpc", tensorContent: false }],
  ] as const;
  for (const [name, cfg] of configs)
    it(`${name}: one batched call, 800 scores aligned to the candidates`, async () => {
      const client = new TfServingClient({
        ...cfg,
        restUrl: `http://127.0.0.1:${restPort}`,
        grpcAddress: `127.0.0.1:${grpcPort}`,
        // The reference's own misspelling routes to the same model.
        models: { neuralcf: { servingName: "recmodel", outputAlias: "dense_2" } },
      });
      try {
        for (const wrenName of ["neuralcf", "nerualcf"]) {
          const { scores, version } = await client.predictScores(wrenName, {
            userId: users,
            movieId: movies,
          });
          expect(version).toBe(1);
          expect(scores).toBeInstanceOf(Float32Array);
          expect(scores).toHaveLength(800);
          for (let i = 0; i < 800; i += 37) expect(scores[i]).toBeCloseTo(expected[i], 6);
        }
        const resolved = await client.resolve("neuralcf");
        expect(resolved).toMatchObject({
          outputAlias: "dense_2",
          features: ["movieId", "userId"],
          version: 1,
        });
        expect(resolved.signature.inputs.userId).toEqual({ dtype: "DT_INT32", shape: [-1] });
        expect(await client.status("recmodel")).toEqual([
          { version: 1, state: "AVAILABLE", errorCode: "OK", errorMessage: "" },
        ]);
        expect((await client.predictScores("neuralcf", { userId: [], movieId: [] })).scores.length).toBe(0);
      } finally {
        await client.close();
      }
    });

  it("typed errors carry TF Serving's message", async () => {
    for (const protocol of ["rest", "grpc"] as const) {
      const client = new TfServingClient({
        protocol,
        restUrl: `http://127.0.0.1:${restPort}`,
        grpcAddress: `127.0.0.1:${grpcPort}`,
        models: { neuralcf: { servingName: "recmodel" }, missing: { servingName: "nope" } },
      });
      try {
        const outOfRange = await client
          .predictScores("neuralcf", { userId: [1, 501], movieId: [1, 1] })
          .catch((e) => e);
        expect(outOfRange).toBeInstanceOf(TfServingError);
        expect(outOfRange).toMatchObject({ kind: "bad_request", retryable: false });
        expect(outOfRange.message).toMatch(
          /input userId value 501 at index 1 is outside the valid id range \[0, 500\]/,
        );
        const missing = await client.predictScores("missing", { userId: [1], movieId: [1] }).catch((e) => e);
        expect(missing).toMatchObject({
          kind: "not_found",
          message: "Servable not found for request: Latest(nope)",
        });
        const noColumn = await client.predictScores("neuralcf", { userId: [1] }).catch((e) => e);
        expect(noColumn).toMatchObject({
          kind: "bad_request",
          message: "predictScores(neuralcf): missing feature column movieId",
        });
        const ragged = await client
          .predictScores("neuralcf", { userId: [1, 2], movieId: [1] })
          .catch((e) => e);
        expect(ragged.message).toMatch(/feature userId has 2 values, expected 1/);
        const fractional = await client
          .predictScores("neuralcf", { userId: [1.5], movieId: [1] })
          .catch((e) => e);
        expect(fractional.message).toBe("feature userId[0] = 1.5 is not an integer");
      } finally {
        await client.close();
      }
    }
  });
});

describe("timeouts and unavailability", () => {
  let silentHttp: Server;
  let silentGrpc: grpc.Server;
  let httpPort: number;
  let silentGrpcPort: number;
  beforeAll(async () => {
    // Servers that accept calls and never answer.
    silentHttp = createHttpServer(() => {});
    await new Promise<void>((r) => silentHttp.listen(0, "127.0.0.1", r));
    httpPort = (silentHttp.address() as { port: number }).port;
    silentGrpc = new grpc.Server();
    silentGrpc.addService(loadTfServingProtos().predictionService, {
      Predict: () => {},
      GetModelMetadata: () => {},
    });
    silentGrpcPort = await new Promise((res, rej) =>
      silentGrpc.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
  });
  afterAll(async () => {
    silentHttp.closeAllConnections();
    await new Promise((r) => silentHttp.close(r));
    silentGrpc.forceShutdown();
  });

  it("a server that does not answer in time gives kind timeout (REST and gRPC)", async () => {
    const models = { m: { servingName: "m" } };
    for (const client of [
      new TfServingClient({
        protocol: "rest",
        restUrl: `http://127.0.0.1:${httpPort}`,
        timeoutMs: 150,
        models,
      }),
      new TfServingClient({
        protocol: "grpc",
        grpcAddress: `127.0.0.1:${silentGrpcPort}`,
        timeoutMs: 150,
        models,
      }),
    ]) {
      const started = Date.now();
      const err = await client.predictScores("m", { x: [1] }).catch((e) => e);
      expect(err).toBeInstanceOf(TfServingError);
      expect(err).toMatchObject({ kind: "timeout", retryable: true });
      expect(Date.now() - started).toBeLessThan(2000);
      await client.close();
    }
  });

  it("nothing listening gives kind unavailable (REST and gRPC)", async () => {
    const port = await freePort();
    for (const client of [
      new TfServingClient({ protocol: "rest", restUrl: `http://127.0.0.1:${port}`, timeoutMs: 1000 }),
      new TfServingClient({ protocol: "grpc", grpcAddress: `127.0.0.1:${port}`, timeoutMs: 1000 }),
    ]) {
      const err = await client.status("m").catch((e) => e);
      expect(err).toMatchObject({ kind: "unavailable", retryable: true });
      await client.close();
    }
  });
});
