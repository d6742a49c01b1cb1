import { Add, Dense, Embedding } from "../layers.js";
import type { ModelDefinition, ModelSpecBase } from "../model.js";
import { denseParams } from "./common.js";
import { deepInput, deepInputWidth, towerLayers, towerParams } from "./embedding-mlp.js";
import {
  embeddingParams,
  type FeatureEncoding,
  featureInputs,
  genreVocabularies,
  RANKING_FEATURE_LIST,
} from "./features.js";

/**
 * Wide & Deep (Cheng et al. 2016), as the reference's WideNDeep: the deep part is the embedding MLP over
 * the 18 features; the wide part is a linear model on the crossed feature (userRatedMovie1 × movieId),
 * hashed into `crossBuckets` buckets — memorising "who liked X likes Y". Logit = deep·w + wide weight.
 * The cross id (userRatedMovie1 · movies + movieId) mod crossBuckets is computed inside the ONNX graph,
 * so the inputs are the 18 features alone; output `score` [-1, 1].
 */
export interface WideDeepSpec extends ModelSpecBase {
  kind: "wide-deep";
  encoding: FeatureEncoding;
  embeddingDim: number;
  hidden: number[];
  crossBuckets: number;
}

export function wideDeepSpec(encoding: FeatureEncoding, opts: Partial<WideDeepSpec> = {}): WideDeepSpec {
  return { kind: "wide-deep", encoding, embeddingDim: 10, hidden: [128, 128], crossBuckets: 10_000, ...opts };
}

const CROSS = "userRatedMovie1_x_movieId";

export const wideDeep: ModelDefinition<WideDeepSpec> = {
  kind: "wide-deep",
  outputAlias: "score",
  params: (s) => [
    ...embeddingParams(s.encoding, RANKING_FEATURE_LIST, s.embeddingDim, "emb"),
    ...towerParams("deep", deepInputWidth(s.encoding, s.embeddingDim), s.hidden),
    ...denseParams("deep.out", s.hidden.at(-1) ?? 0, 1),
    { name: "wide.cross", shape: [s.crossBuckets, 1], sparse: true, init: { kind: "normal", std: 0.01 } },
  ],
  build(s, store, maxBatch) {
    const { concat } = deepInput(store, s.encoding, "emb", maxBatch);
    const deep = new Dense(store, "deep.out", towerLayers(store, "deep", concat, s.hidden, maxBatch), false, maxBatch);
    const wide = new Embedding(store, "wide.cross", CROSS, maxBatch);
    return { logit: new Add([deep, wide], maxBatch) };
  },
  inputs: (s) => featureInputs(s.encoding, RANKING_FEATURE_LIST),
  vocabularies: (s) => genreVocabularies(s.encoding, RANKING_FEATURE_LIST),
  derived: [
    {
      column: CROSS,
      compute(s, data) {
        const a = data.ints.userRatedMovie1;
        const b = data.ints.movieId;
        const out = new Int32Array(data.rows);
        for (let i = 0; i < data.rows; i++) out[i] = (a[i] * s.encoding.movies + b[i]) % s.crossBuckets;
        return out;
      },
      toOnnx(s, g, column) {
        const a = g.op("Cast", [column("userRatedMovie1")], { to: 7 });
        const b = g.op("Cast", [column("movieId")], { to: 7 });
        const scaled = g.op("Mul", [a, g.constant(BigInt64Array.of(BigInt(s.encoding.movies)), [1])]);
        const sum = g.op("Add", [scaled, b]);
        return g.op("Mod", [sum, g.constant(BigInt64Array.of(BigInt(s.crossBuckets)), [1])]);
      },
    },
  ],
};
