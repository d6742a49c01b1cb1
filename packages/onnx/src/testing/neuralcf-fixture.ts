import { GraphBuilder } from "../graph-builder.js";
import type { ModelSignatureFile } from "../model-dir.js";

/**
 * A NeuralCF-shaped model with seeded random weights, for tests and benchmarks of the serving path before
 * (and independently of) real trained exports. Same interface as the reference SavedModel: inputs
 * `userId`/`movieId` int32 [-1], output `dense_2` float [-1,1];
 * embeddings → concat → Dense(relu) → Dense(relu) → Dense(1, sigmoid).
 */
export interface NeuralCfFixtureOptions {
  seed?: number;
  userBuckets?: number;
  movieBuckets?: number;
  embeddingDim?: number;
  hidden?: number;
}

export interface NeuralCfWeights {
  userEmb: Float32Array;
  movieEmb: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  w3: Float32Array;
  b3: Float32Array;
  embeddingDim: number;
  hidden: number;
}

export interface NeuralCfFixture {
  onnx: Uint8Array;
  signature: ModelSignatureFile;
  weights: NeuralCfWeights;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildNeuralCfFixture(opts: NeuralCfFixtureOptions = {}): NeuralCfFixture {
  const { seed = 1, userBuckets = 30001, movieBuckets = 1001, embeddingDim = 10, hidden = 10 } = opts;
  const rand = mulberry32(seed);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const weights: NeuralCfWeights = {
    userEmb: fill(userBuckets * embeddingDim, 0.5),
    movieEmb: fill(movieBuckets * embeddingDim, 0.5),
    w1: fill(2 * embeddingDim * hidden, 0.6),
    b1: fill(hidden, 0.1),
    w2: fill(hidden * hidden, 0.6),
    b2: fill(hidden, 0.1),
    w3: fill(hidden, 0.8),
    b3: fill(1, 0.1),
    embeddingDim,
    hidden,
  };
  const g = new GraphBuilder();
  const userId = g.input("userId", "int32", [-1]);
  const movieId = g.input("movieId", "int32", [-1]);
  const ue = g.op("Gather", [
    g.initializer("user_embedding", weights.userEmb, [userBuckets, embeddingDim]),
    userId,
  ]);
  const me = g.op("Gather", [
    g.initializer("movie_embedding", weights.movieEmb, [movieBuckets, embeddingDim]),
    movieId,
  ]);
  const x = g.op("Concat", [me, ue], { axis: 1 });
  const dense = (input: string, w: Float32Array, b: Float32Array, rows: number, cols: number) =>
    g.op("Add", [g.op("MatMul", [input, g.constant(w, [rows, cols])]), g.constant(b, [cols])]);
  const h1 = g.op("Relu", [dense(x, weights.w1, weights.b1, 2 * embeddingDim, hidden)]);
  const h2 = g.op("Relu", [dense(h1, weights.w2, weights.b2, hidden, hidden)]);
  const out = g.op("Sigmoid", [dense(h2, weights.w3, weights.b3, hidden, 1)]);
  g.output(out, "float32", [-1, 1], "dense_2");
  const onnx = g.toModel({ opset: 17, producer: "wren-test-fixture" });
  const signature: ModelSignatureFile = {
    formatVersion: 1,
    model: "neuralcf",
    signatures: {
      serving_default: {
        inputs: {
          userId: {
            onnxName: "userId",
            dtype: "DT_INT32",
            shape: [-1],
            range: { min: 0, max: userBuckets - 1 },
          },
          movieId: {
            onnxName: "movieId",
            dtype: "DT_INT32",
            shape: [-1],
            range: { min: 0, max: movieBuckets - 1 },
          },
        },
        outputs: { dense_2: { onnxName: "dense_2", dtype: "DT_FLOAT", shape: [-1, 1] } },
        methodName: "tensorflow/serving/predict",
      },
    },
    features: ["userId", "movieId"],
    createdAt: new Date(0).toISOString(),
    params: { seed, fixture: true },
  };
  return { onnx, signature, weights };
}

/** The fixture's score computed in plain JS (movie embedding first, as the graph concatenates). */
export function neuralCfScore(w: NeuralCfWeights, userId: number, movieId: number): number {
  const d = w.embeddingDim;
  const x = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    x[i] = w.movieEmb[movieId * d + i];
    x[d + i] = w.userEmb[userId * d + i];
  }
  const layer = (
    input: Float64Array,
    weights: Float32Array,
    bias: Float32Array,
    cols: number,
    relu: boolean,
  ) => {
    const out = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      let s = bias[c];
      for (let r = 0; r < input.length; r++) s += input[r] * weights[r * cols + c];
      out[c] = relu ? Math.max(0, s) : s;
    }
    return out;
  };
  const h1 = layer(x, w.w1, w.b1, w.hidden, true);
  const h2 = layer(h1, w.w2, w.b2, w.hidden, true);
  const z = layer(h2, w.w3, w.b3, 1, false)[0];
  return 1 / (1 + Math.exp(-z));
}
