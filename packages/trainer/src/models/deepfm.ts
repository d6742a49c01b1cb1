import { Add, Concat, Dense, FactorizationMachine, RowSum } from "../layers.js";
import type { ModelDefinition, ModelSpecBase } from "../model.js";
import { denseParams } from "./common.js";
import { deepInput, deepInputWidth, towerLayers, towerParams } from "./embedding-mlp.js";
import {
  embeddingLayers,
  embeddingParams,
  type FeatureEncoding,
  featureInputs,
  genreVocabularies,
  NUMERIC_FEATURES,
  numericLayer,
  RANKING_FEATURE_LIST,
} from "./features.js";

/**
 * DeepFM (Guo et al. 2017): logit = first-order terms (a weight per categorical value, a linear model on
 * the numeric features) + FM second-order interactions between the categorical embeddings + an MLP over
 * the same embeddings and the numeric features. Inputs: the 18 RANKING_FEATURES; output `score` [-1, 1].
 */
export interface DeepFmSpec extends ModelSpecBase {
  kind: "deepfm";
  encoding: FeatureEncoding;
  embeddingDim: number;
  hidden: number[];
}

export function deepFmSpec(encoding: FeatureEncoding, opts: Partial<DeepFmSpec> = {}): DeepFmSpec {
  return { kind: "deepfm", encoding, embeddingDim: 10, hidden: [64, 64], ...opts };
}

export const deepFm: ModelDefinition<DeepFmSpec> = {
  kind: "deepfm",
  outputAlias: "score",
  params: (s) => [
    ...embeddingParams(s.encoding, RANKING_FEATURE_LIST, s.embeddingDim, "emb"),
    ...embeddingParams(s.encoding, RANKING_FEATURE_LIST, 1, "linear"),
    ...denseParams("linear.numeric", NUMERIC_FEATURES.length, 1),
    ...towerParams("deep", deepInputWidth(s.encoding, s.embeddingDim), s.hidden),
    ...denseParams("deep.out", s.hidden.at(-1) ?? 0, 1),
  ],
  build(s, store, maxBatch) {
    const { concat, embeddings } = deepInput(store, s.encoding, "emb", maxBatch);
    const firstOrder = new RowSum(new Concat(embeddingLayers(store, RANKING_FEATURE_LIST, "linear", maxBatch), maxBatch), maxBatch);
    const numeric = numericLayer(s.encoding, RANKING_FEATURE_LIST, maxBatch);
    if (!numeric) throw new Error("deepfm: no numeric features");
    const linearNumeric = new Dense(store, "linear.numeric", numeric, false, maxBatch);
    const fm = new FactorizationMachine(new Concat(embeddings, maxBatch), embeddings.length, maxBatch);
    const deep = new Dense(store, "deep.out", towerLayers(store, "deep", concat, s.hidden, maxBatch), false, maxBatch);
    return { logit: new Add([firstOrder, linearNumeric, fm, deep], maxBatch) };
  },
  inputs: (s) => featureInputs(s.encoding, RANKING_FEATURE_LIST),
  vocabularies: (s) => genreVocabularies(s.encoding, RANKING_FEATURE_LIST),
};
