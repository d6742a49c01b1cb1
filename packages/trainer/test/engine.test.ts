import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSignatureFile } from "@wren/onnx";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint, saveCheckpoint } from "../src/checkpoint.js";
import { exportModel } from "../src/export.js";
import { neuralCfSpec } from "../src/models/neuralcf.js";
import { createModel } from "../src/registry.js";
import { Rng } from "../src/rng.js";
import { implicitSource, labelledSource } from "../src/sources.js";
import { train } from "../src/training.js";
import { randomRows } from "./fixtures.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "wren-trainer-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Users 0..99 each like 15 of the 150 movies of their cluster (10 clusters). */
function clustered(seed: number) {
  const rng = new Rng(seed);
  const n = 3000;
  const u = new Int32Array(n);
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = rng.int(100);
    m[i] = (u[i] % 10) * 15 + rng.int(15);
  }
  return implicitSource(u, m, new Float32Array(n).fill(1), 100, 4);
}

describe("training engine", () => {
  it("is deterministic on one thread: same seed, identical weights; another seed, different", async () => {
    const run = async (seed: number) => {
      const model = createModel(neuralCfSpec(100, 150));
      await train(model, clustered(1), { epochs: 2, seed, workers: 1 });
      return model.store.weights.slice();
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it("lowers the loss, and trains the same shared weights from two worker threads (tsx-loaded workers)", async () => {
    const model = createModel(neuralCfSpec(100, 150));
    const result = await train(model, clustered(2), { epochs: 4, workers: 2, seed: 3 });
    expect(result.workers).toBe(2);
    const losses = result.epochs.map((e) => e.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3]).toBeLessThan(losses[0] * 0.8);
  });

  it("updates only the embedding rows a batch touches (lazy Adam)", async () => {
    const model = createModel(neuralCfSpec(100, 150));
    const src = implicitSource(Int32Array.of(5, 6), Int32Array.of(10, 11), Float32Array.of(1, 1), 100, 0);
    model.store.initialise(1);
    const before = model.store.view("gmf.user").slice();
    await train(model, src, { epochs: 1, initialise: false });
    const after = model.store.view("gmf.user");
    for (let row = 0; row < 100; row++) {
      const changed = after.subarray(row * 8, row * 8 + 8).some((v, k) => v !== before[row * 8 + k]);
      expect(changed, `row ${row}`).toBe(row === 5 || row === 6);
    }
  });

  it("trains with Adagrad too", async () => {
    const model = createModel(neuralCfSpec(100, 150));
    const result = await train(model, clustered(3), {
      epochs: 3,
      optimizer: { kind: "adagrad", lr: 0.05, initialAccumulator: 0.1, eps: 1e-7 },
    });
    expect(result.epochs[2].loss).toBeLessThan(result.epochs[0].loss);
  });

  it("checkpoints round-trip weights and optimiser state; training resumes identically", async () => {
    const dir = await tempDir();
    const model = createModel(neuralCfSpec(100, 150));
    await train(model, clustered(4), { epochs: 1, seed: 5 });
    await saveCheckpoint(model, join(dir, "ckpt.bin"));
    const restored = await loadCheckpoint(join(dir, "ckpt.bin"));
    expect(restored.spec).toEqual(model.spec);
    expect(restored.store.weights).toEqual(model.store.weights);
    expect(restored.store.steps[0]).toBe(model.store.steps[0]);
    await train(model, clustered(4), { epochs: 1, seed: 6, initialise: false });
    await train(restored, clustered(4), { epochs: 1, seed: 6, initialise: false });
    expect(restored.store.weights).toEqual(model.store.weights);
    await expect(loadCheckpoint(join(dir, "missing.bin"))).rejects.toThrow(/missing\.bin/);
  });

  it("rejects bad training input with clear errors", async () => {
    const model = createModel(neuralCfSpec(100, 150));
    expect(() => implicitSource(Int32Array.of(1), Int32Array.of(2), Float32Array.of(0), 100, 4)).toThrow(
      /no positive rows/,
    );
    await expect(train(model, clustered(1), { epochs: 0 })).rejects.toThrow(
      /epochs must be a positive integer/,
    );
    const empty = labelledSource({ rows: 0, ints: {}, floats: {}, labels: new Float32Array(0) });
    await expect(train(model, empty, { epochs: 1 })).rejects.toThrow(/no training rows/);
  });
});

describe("exportModel", () => {
  it("writes versions 1, 2 with the NeuralCF signature and never leaves temp dirs", async () => {
    const root = await tempDir();
    const model = createModel(neuralCfSpec(100, 150));
    model.store.initialise(1);
    const v1 = await exportModel(model, {
      modelsRoot: root,
      metrics: { "hr@10": 0.5 },
      trainingData: { rows: 3 },
    });
    const v2 = await exportModel(model, { modelsRoot: root });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect((await readdir(join(root, "neuralcf"))).sort()).toEqual(["1", "2"]);
    const sig = parseSignatureFile(JSON.parse(await readFile(join(v1.dir, "signature.json"), "utf8")));
    expect(sig.signatures.serving_default).toEqual({
      inputs: {
        userId: { onnxName: "userId", dtype: "DT_INT32", shape: [-1], range: { min: 0, max: 99 } },
        movieId: { onnxName: "movieId", dtype: "DT_INT32", shape: [-1], range: { min: 0, max: 149 } },
      },
      outputs: { dense_2: { onnxName: "dense_2", dtype: "DT_FLOAT", shape: [-1, 1] } },
      methodName: "tensorflow/serving/predict",
    });
    expect(sig.metrics).toEqual({ "hr@10": 0.5 });
    expect(sig.trainingData).toEqual({ rows: 3 });
    expect((await readFile(join(v1.dir, "model.onnx"))).length).toBeGreaterThan(4 * 250 * 40);
  });

  it("exports the 18-feature models with their genre vocabularies", async () => {
    const { testEncoding } = await import("./fixtures.js");
    const { deepFmSpec } = await import("../src/models/deepfm.js");
    const root = await tempDir();
    const model = createModel(deepFmSpec(testEncoding));
    model.store.initialise(1);
    const { dir } = await exportModel(model, { modelsRoot: root });
    const sig = parseSignatureFile(JSON.parse(await readFile(join(dir, "signature.json"), "utf8")));
    expect(sig.features).toHaveLength(18);
    expect(sig.vocabularies?.userGenre1).toEqual(testEncoding.genres);
    expect(sig.signatures.serving_default.inputs.movieGenre2.range).toEqual({ min: 0, max: 4 });
    expect(sig.signatures.serving_default.inputs.releaseYear.dtype).toBe("DT_FLOAT");
    expect(randomRows(model, 3, 1).rows).toBe(3);
  });
});

describe("two-tower embeddings for recall", () => {
  it("gives one vector per user and movie whose dot product is the model's logit", async () => {
    const { testEncoding } = await import("./fixtures.js");
    const { twoTowerSpec } = await import("../src/models/two-tower.js");
    const { towerEmbeddings } = await import("../src/tower-embeddings.js");
    const { predict } = await import("../src/predict.js");
    const model = createModel(twoTowerSpec(testEncoding));
    model.store.initialise(4);
    const rows = randomRows(model, 200, 3);
    // Sample tables hold genres as strings; randomRows gives vocabulary ids.
    const columns = new Map<string, Int32Array | Float32Array | string[]>([
      ...Object.entries(rows.ints).map(([k, v]): [string, Int32Array | string[]] =>
        k.includes("Genre") ? [k, Array.from(v, (id) => testEncoding.genres[id])] : [k, v],
      ),
      ...Object.entries(rows.floats),
      ["timestamp", Int32Array.from({ length: 200 }, (_, i) => i)],
    ]);
    const table = { size: 200, columns };
    const { users, items } = towerEmbeddings(model, [table]);
    expect(users.dim).toBe(16);
    expect(users.ids.length).toBe(new Set(rows.ints.userId).size);
    expect(items.ids.length).toBe(new Set(rows.ints.movieId).size);
    // Row 199 is the latest row of its user and its movie: the dot product of their vectors is its score.
    const u = users.ids.indexOf(rows.ints.userId[199]);
    const m = items.ids.indexOf(rows.ints.movieId[199]);
    let dot = 0;
    for (let k = 0; k < 16; k++) dot += users.vectors[u * 16 + k] * items.vectors[m * 16 + k];
    const p = predict(model, rows)[199];
    expect(1 / (1 + Math.exp(-dot))).toBeCloseTo(p, 5);
  });
});
