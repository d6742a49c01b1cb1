import { RANKING_FEATURES, type RankingFeature } from "@wren/features";
import { Dense, Dot } from "../layers.js";
import type { ModelDefinition, ModelSpecBase } from "../model.js";
import type { ParamStore } from "../params.js";
import { denseParams } from "./common.js";
import { deepInput, deepInputWidth, towerLayers, towerParams } from "./embedding-mlp.js";
import { embeddingParams, type FeatureEncoding, featureInputs, genreVocabularies } from "./features.js";

/**
 * Two-tower retrieval model (as in YouTube's and Google's sampled-softmax towers, trained here with the
 * labelled samples and a sigmoid): a user tower over the user's id, genres and rating statistics and an
 * item tower over the movie's id, genres and statistics each end in a `dim`-wide vector; the score is
 * σ(user · item). Because the towers never see each other's inputs, their outputs can be precomputed for
 * every user and movie (see towerEmbeddings) and served from a vector index for recall.
 * Inputs: USER_TOWER_FEATURES + ITEM_TOWER_FEATURES; output `score` [-1, 1].
 */
export const USER_TOWER_FEATURES: readonly RankingFeature[] = RANKING_FEATURES.filter(
  (f) => f.startsWith("user") && f !== "userRatedMovie1",
);
export const ITEM_TOWER_FEATURES: readonly RankingFeature[] = RANKING_FEATURES.filter(
  (f) => f.startsWith("movie") || f === "releaseYear",
);

export interface TwoTowerSpec extends ModelSpecBase {
  kind: "two-tower";
  encoding: FeatureEncoding;
  embeddingDim: number;
  hidden: number[];
  /** Width of the tower outputs (the recall embedding size). */
  dim: number;
}

export function twoTowerSpec(encoding: FeatureEncoding, opts: Partial<TwoTowerSpec> = {}): TwoTowerSpec {
  return { kind: "two-tower", encoding, embeddingDim: 16, hidden: [64], dim: 16, ...opts };
}

const ALL = [...USER_TOWER_FEATURES, ...ITEM_TOWER_FEATURES];

function tower(s: TwoTowerSpec, store: ParamStore, side: "user" | "item", maxBatch: number) {
  const features = side === "user" ? USER_TOWER_FEATURES : ITEM_TOWER_FEATURES;
  const { concat } = deepInput(store, s.encoding, `${side}.emb`, maxBatch, features);
  return new Dense(store, `${side}.out`, towerLayers(store, `${side}.tower`, concat, s.hidden, maxBatch), false, maxBatch);
}

function towerParamSpecs(s: TwoTowerSpec, side: "user" | "item") {
  const features = side === "user" ? USER_TOWER_FEATURES : ITEM_TOWER_FEATURES;
  const width = deepInputWidth(s.encoding, s.embeddingDim, features);
  return [
    ...embeddingParams(s.encoding, features, s.embeddingDim, `${side}.emb`),
    ...towerParams(`${side}.tower`, width, s.hidden),
    ...denseParams(`${side}.out`, s.hidden.at(-1) ?? width, s.dim),
  ];
}

export const twoTower: ModelDefinition<TwoTowerSpec> = {
  kind: "two-tower",
  outputAlias: "score",
  params: (s) => [...towerParamSpecs(s, "user"), ...towerParamSpecs(s, "item")],
  build(s, store, maxBatch) {
    const user = tower(s, store, "user", maxBatch);
    const item = tower(s, store, "item", maxBatch);
    return { logit: new Dot(user, item, maxBatch), towers: { user, item } };
  },
  inputs: (s) => featureInputs(s.encoding, ALL),
  vocabularies: (s) => genreVocabularies(s.encoding, ALL),
};
