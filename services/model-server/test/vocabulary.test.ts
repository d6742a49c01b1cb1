/**
 * A categorical input exported with a vocabulary (genres, as the trainer exports them) takes strings, as a
 * TF model with a StringLookup layer does: the servable maps them to the graph's ids the way training
 * mapped the samples (unknown and empty → 0), over REST and gRPC alike.
 */
import { GraphBuilder, type ModelSignatureFile, writeModelVersion } from "@wren/onnx";
import { TfServingClient } from "@wren/tfserving-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningModelServer, startModelServer } from "../src/index.js";
import { memoryLogger, modelsRoot } from "./helpers.js";

const VOCAB = ["", "Action", "Drama"];
const SCORES = Float32Array.of(0.125, 0.25, 0.5); // per genre id

function genreModel(): { onnx: Uint8Array; signature: ModelSignatureFile } {
  const g = new GraphBuilder();
  const genre = g.input("genre_id", "int32", [-1]);
  const score = g.op("Gather", [g.constant(SCORES, [SCORES.length]), genre]);
  g.output(g.op("Unsqueeze", [score, g.constant(BigInt64Array.of(1n), [1])]), "float32", [-1, 1], "score");
  return {
    onnx: g.toModel({ opset: 17, producer: "wren-vocabulary-test" }),
    signature: {
      formatVersion: 1,
      model: "genre-score",
      signatures: {
        serving_default: {
          inputs: {
            movieGenre1: {
              onnxName: "genre_id",
              dtype: "DT_INT32",
              shape: [-1],
              range: { min: 0, max: VOCAB.length - 1 },
            },
          },
          outputs: { score: { onnxName: "score", dtype: "DT_FLOAT", shape: [-1, 1] } },
          methodName: "tensorflow/serving/predict",
        },
      },
      features: ["movieGenre1"],
      vocabularies: { movieGenre1: VOCAB },
      createdAt: new Date(0).toISOString(),
    },
  };
}

let server: RunningModelServer;
let cleanup: () => Promise<void>;
let base: string;

beforeAll(async () => {
  const m = await modelsRoot();
  cleanup = m.cleanup;
  await writeModelVersion(m.root, "genre-score", genreModel());
  server = await startModelServer({
    modelName: "genre-score",
    modelBasePath: `${m.root}/genre-score`,
    restPort: 0,
    grpcPort: 0,
    host: "127.0.0.1",
    pollSeconds: 0,
    log: memoryLogger(),
  });
  base = `http://127.0.0.1:${server.restPort}`;
});

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

it("shows the input as DT_STRING and maps genre names through the exported vocabulary", async () => {
  const meta = (await (await fetch(`${base}/v1/models/genre-score/metadata`)).json()) as {
    metadata: {
      signature_def: { signature_def: Record<string, { inputs: Record<string, { dtype: string }> }> };
    };
  };
  expect(meta.metadata.signature_def.signature_def.serving_default.inputs.movieGenre1.dtype).toBe(
    "DT_STRING",
  );

  const res = await fetch(`${base}/v1/models/genre-score:predict`, {
    method: "POST",
    body: JSON.stringify({
      instances: [
        { movieGenre1: "Drama" },
        { movieGenre1: "Action" },
        { movieGenre1: "Western" },
        { movieGenre1: "" },
      ],
    }),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ predictions: [[0.5], [0.25], [0.125], [0.125]] });

  for (const protocol of ["rest", "grpc"] as const) {
    const client = new TfServingClient({
      protocol,
      restUrl: base,
      grpcAddress: `127.0.0.1:${server.grpcPort}`,
    });
    try {
      const { scores } = await client.predictScores("genre-score", {
        movieGenre1: ["Action", "Drama", "Sci-Fi"],
      });
      expect(Array.from(scores)).toEqual([0.25, 0.5, 0.125]);
    } finally {
      await client.close();
    }
  }
});

it("refuses ids where the signature takes strings, as TF's type check does", async () => {
  const res = await fetch(`${base}/v1/models/genre-score:predict`, {
    method: "POST",
    body: JSON.stringify({ instances: [{ movieGenre1: 2 }] }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/string/i);
});
