import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { attr, GraphBuilder } from "../src/index.js";
import { buildNeuralCfFixture, neuralCfScore } from "../src/testing/neuralcf-fixture.js";

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const i32 = (values: number[], dims = [values.length]) =>
  new ort.Tensor("int32", Int32Array.from(values), dims);
const f32 = (values: number[], dims = [values.length]) =>
  new ort.Tensor("float32", Float32Array.from(values), dims);

describe("GraphBuilder", () => {
  it("Gather + Gemm + Relu + Sigmoid compute the expected numbers", async () => {
    const g = new GraphBuilder();
    const ids = g.input("ids", "int32", [-1]);
    const table = g.initializer("table", Float32Array.from([1, 2, -3, 4, 5, -6]), [3, 2]);
    const rows = g.op("Gather", [table, ids], { axis: 0 });
    const w = g.constant(Float32Array.from([1, -1, 2, 0.5]), [2, 2]);
    const b = g.constant(Float32Array.from([0.25, -0.25]), [2]);
    const lin = g.op("Gemm", [rows, w, b], { alpha: attr.float(1), beta: attr.float(2) });
    g.output(g.op("Relu", [lin]), "float32", [-1, 2], "relu");
    g.output(g.op("Sigmoid", [lin]), "float32", [-1, 2], "sig");
    const out = await run(g.toModel(), { ids: i32([2, 0]) });
    // rows: [5,-6], [1,2]; lin = rows @ w + 2b
    const lin0 = [5 * 1 + -6 * 2 + 0.5, 5 * -1 + -6 * 0.5 - 0.5];
    const lin1 = [1 * 1 + 2 * 2 + 0.5, 1 * -1 + 2 * 0.5 - 0.5];
    const flat = [...lin0, ...lin1];
    expect(out.relu.dims).toEqual([2, 2]);
    expect(Array.from(out.relu.data as Float32Array)).toEqual(flat.map((v) => Math.max(0, v)));
    const sig = Array.from(out.sig.data as Float32Array);
    for (const [i, v] of flat.entries()) expect(sig[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 6);
  });

  it("Concat, Mul, ReduceSum, Unsqueeze, Squeeze, Reshape, Cast and Clip", async () => {
    const g = new GraphBuilder();
    const a = g.input("a", "float32", ["batch", 2]);
    const b = g.input("b", "int32", ["batch", 2]);
    const bf = g.op("Cast", [b], { to: 1 });
    const cat = g.op("Concat", [a, bf], { axis: 1 }); // [batch,4]
    const prod = g.op("Mul", [cat, g.constant(Float32Array.from([1, 2, 3, 4]), [4])]);
    const sum = g.op("ReduceSum", [prod, g.constant(BigInt64Array.from([1n]), [1])], { keepdims: 0 }); // [batch]
    const unsq = g.op("Unsqueeze", [sum, g.constant(BigInt64Array.from([1n]), [1])]); // [batch,1]
    const clipped = g.op("Clip", [
      unsq,
      g.constant(Float32Array.from([0]), []),
      g.constant(Float32Array.from([20]), []),
    ]);
    g.output(clipped, "float32", [-1, 1], "clipped");
    const sq = g.op("Squeeze", [unsq, g.constant(BigInt64Array.from([1n]), [1])]);
    g.output(sq, "float32", [-1], "squeezed");
    const reshaped = g.op("Reshape", [cat, g.constant(BigInt64Array.from([-1n]), [1])]);
    g.output(g.op("Add", [reshaped, reshaped]), "float32", [-1], "doubled");
    const out = await run(g.toModel({ opset: 17 }), {
      a: f32([1, 2, -5, 0], [2, 2]),
      b: i32([3, 1, 0, -2], [2, 2]),
    });
    // row0 cat [1,2,3,1] → 1+4+9+4 = 18; row1 cat [-5,0,0,-2] → -5-8 = -13
    expect(Array.from(out.squeezed.data as Float32Array)).toEqual([18, -13]);
    expect(out.clipped.dims).toEqual([2, 1]);
    expect(Array.from(out.clipped.data as Float32Array)).toEqual([18, 0]);
    expect(Array.from(out.doubled.data as Float32Array)).toEqual([2, 4, 6, 2, -10, 0, 0, -4]);
  });

  it("rejects undefined inputs, duplicate names and data that does not fit its dims", () => {
    const g = new GraphBuilder();
    g.input("x", "float32", [-1]);
    expect(() => g.op("Relu", ["y"])).toThrow(/input "y" is not defined/);
    expect(() => g.input("x", "float32", [-1])).toThrow(/already defined/);
    expect(() => g.initializer("w", new Float32Array(5), [2, 2])).toThrow(/hold 4 elements but data has 5/);
    expect(() => new GraphBuilder().toModel()).toThrow(/no outputs/);
  });

  it("the NeuralCF fixture scores like its plain-JS reference", async () => {
    const { onnx, weights, signature } = buildNeuralCfFixture({ seed: 7, userBuckets: 50, movieBuckets: 40 });
    expect(Object.keys(signature.signatures.serving_default.inputs).sort()).toEqual(["movieId", "userId"]);
    const users = [0, 1, 49, 7, 7];
    const movies = [39, 0, 5, 5, 6];
    const out = await run(onnx, { userId: i32(users), movieId: i32(movies) });
    expect(out.dense_2.dims).toEqual([5, 1]);
    const scores = out.dense_2.data as Float32Array;
    for (const [i, u] of users.entries())
      expect(scores[i]).toBeCloseTo(neuralCfScore(weights, u, movies[i]), 5);
    expect(new Set(Array.from(scores)).size).toBeGreaterThan(3);
  });
});
