import { Concat, Dense, type Layer } from "../layers.js";
import type { ModelDefinition, ModelSpecBase } from "../model.js";
import { denseParams } from "./common.js";
import {
  embeddingLayers,
  embeddingParams,
  type FeatureEncoding,
  featureInputs,
  genreVocabularies,
  numericLayer,
  RANKING_FEATURE_LIST,
} from "./features.js";

/**
 * Embedding MLP (the reference's EmbeddingMLP / YouTube-DNN style ranker): an embedding of `embeddingDim`
 * per categorical feature, concatenated with the standardised numeric features, then ReLU layers `hidden`
 * and a sigmoid output. Inputs: the 18 RANKING_FEATURES (see features.ts for dtypes); output `score` [-1, 1].
 */
export interface EmbeddingMlpSpec extends ModelSpecBase {
  kind: "embedding-mlp";
  encoding: FeatureEncoding;
  embeddingDim: number;
  hidden: number[];
}

export function embeddingMlpSpec(encoding: FeatureEncoding, opts: Partial<EmbeddingMlpSpec> = {}): EmbeddingMlpSpec {
  return { kind: "embedding-mlp", encoding, embeddingDim: 10, hidden: [128, 128], ...opts };
}

/** Width of the concatenated embeddings and numeric features of the 18 features. */
export function deepInputWidth(enc: FeatureEncoding, dim: number, features: readonly string[] = RANKING_FEATURE_LIST): number {
  const params = embeddingParams(enc, features, dim, "x");
  return params.length * dim + (features.length - params.length);
}

/** Params of a ReLU tower `hidden` named `<prefix>.<i>` on top of `width` inputs. */
export function towerParams(prefix: string, width: number, hidden: readonly number[]) {
  return hidden.flatMap((h, i) => denseParams(`${prefix}.${i}`, i === 0 ? width : hidden[i - 1], h));
}

export function towerLayers(store: Parameters<ModelDefinition<EmbeddingMlpSpec>["build"]>[1], prefix: string, input: Layer, hidden: readonly number[], maxBatch: number): Layer {
  let x = input;
  for (let i = 0; i < hidden.length; i++) x = new Dense(store, `${prefix}.${i}`, x, true, maxBatch);
  return x;
}

/** Embeddings of every categorical feature, then the numeric block, concatenated. */
export function deepInput(
  store: Parameters<ModelDefinition<EmbeddingMlpSpec>["build"]>[1],
  enc: FeatureEncoding,
  prefix: string,
  maxBatch: number,
  features: readonly string[] = RANKING_FEATURE_LIST,
): { concat: Concat; embeddings: Layer[] } {
  const embeddings = embeddingLayers(store, features, prefix, maxBatch);
  const numeric = numericLayer(enc, features, maxBatch);
  return { concat: new Concat(numeric ? [...embeddings, numeric] : embeddings, maxBatch), embeddings };
}

export const embeddingMlp: ModelDefinition<EmbeddingMlpSpec> = {
  kind: "embedding-mlp",
  outputAlias: "score",
  params: (s) => [
    ...embeddingParams(s.encoding, RANKING_FEATURE_LIST, s.embeddingDim, "emb"),
    ...towerParams("mlp", deepInputWidth(s.encoding, s.embeddingDim), s.hidden),
    ...denseParams("out", s.hidden.at(-1) ?? deepInputWidth(s.encoding, s.embeddingDim), 1),
  ],
  build(s, store, maxBatch) {
    const { concat } = deepInput(store, s.encoding, "emb", maxBatch);
    const top = towerLayers(store, "mlp", concat, s.hidden, maxBatch);
    return { logit: new Dense(store, "out", top, false, maxBatch) };
  },
  inputs: (s) => featureInputs(s.encoding, RANKING_FEATURE_LIST),
  vocabularies: (s) => genreVocabularies(s.encoding, RANKING_FEATURE_LIST),
};
