import { Concat, Dense, Embedding, Multiply } from "../layers.js";
import type { ModelDefinition, ModelSpecBase } from "../model.js";
import type { ParamSpec } from "../params.js";
import { denseParams } from "./common.js";

/**
 * NeuMF (He et al., "Neural Collaborative Filtering", WWW 2017): a GMF branch (element-wise product of
 * user and item embeddings of size `gmfDim`) and an MLP branch (concatenated user and item embeddings of
 * size mlpLayers[0]/2 each, then ReLU layers mlpLayers[1..]), fused by one linear layer and a sigmoid.
 *
 * Signature (identical to SparrowRecSys' NeuralCF SavedModel, so the ranking request body is the same):
 *   inputs  userId  DT_INT32 [-1]  range [0, users-1]
 *           movieId DT_INT32 [-1]  range [0, movies-1]
 *   output  dense_2 DT_FLOAT [-1, 1]  probability that the user interacts with the movie
 *
 * Trained on implicit feedback as in the paper: every positive (label 1) sample is followed by N
 * negatives (default 4) — the same user with movies drawn uniformly from those the user never rated,
 * redrawn every epoch (see implicitSource) — so it learns what a user watches and likes, not a rating.
 */
export interface NeuralCfSpec extends ModelSpecBase {
  kind: "neuralcf";
  /** Rows of the user tables: valid userIds are 0..users-1. */
  users: number;
  /** Rows of the item tables: valid movieIds are 0..movies-1. */
  movies: number;
  gmfDim: number;
  /** Sizes of the MLP tower, the first being the concatenated embedding width (paper: [64, 32, 16, 8]). */
  mlpLayers: number[];
}

export function neuralCfSpec(users: number, movies: number, opts: Partial<NeuralCfSpec> = {}): NeuralCfSpec {
  return { kind: "neuralcf", users, movies, gmfDim: 8, mlpLayers: [64, 32, 16, 8], ...opts };
}

const EMB_INIT = { kind: "normal", std: 0.01 } as const;

export const neuralCf: ModelDefinition<NeuralCfSpec> = {
  kind: "neuralcf",
  outputAlias: "dense_2",

  params(s) {
    const half = s.mlpLayers[0] / 2;
    if (!Number.isInteger(half)) throw new Error(`neuralcf: mlpLayers[0] (${s.mlpLayers[0]}) must be even`);
    const p: ParamSpec[] = [
      { name: "gmf.user", shape: [s.users, s.gmfDim], sparse: true, init: EMB_INIT },
      { name: "gmf.item", shape: [s.movies, s.gmfDim], sparse: true, init: EMB_INIT },
      { name: "mlp.user", shape: [s.users, half], sparse: true, init: EMB_INIT },
      { name: "mlp.item", shape: [s.movies, half], sparse: true, init: EMB_INIT },
    ];
    for (let i = 1; i < s.mlpLayers.length; i++) p.push(...denseParams(`mlp.${i}`, s.mlpLayers[i - 1], s.mlpLayers[i]));
    p.push(...denseParams("predict", s.gmfDim + s.mlpLayers[s.mlpLayers.length - 1], 1));
    return p;
  },

  build(s, store, maxBatch) {
    const gmf = new Multiply(
      new Embedding(store, "gmf.user", "userId", maxBatch),
      new Embedding(store, "gmf.item", "movieId", maxBatch),
      maxBatch,
    );
    let mlp: Concat | Dense = new Concat(
      [new Embedding(store, "mlp.user", "userId", maxBatch), new Embedding(store, "mlp.item", "movieId", maxBatch)],
      maxBatch,
    );
    for (let i = 1; i < s.mlpLayers.length; i++) mlp = new Dense(store, `mlp.${i}`, mlp, true, maxBatch);
    const logit = new Dense(store, "predict", new Concat([gmf, mlp], maxBatch), false, maxBatch);
    return { logit };
  },

  inputs(s) {
    return [
      { name: "userId", dtype: "int32", range: { min: 0, max: s.users - 1 }, doc: "user id" },
      { name: "movieId", dtype: "int32", range: { min: 0, max: s.movies - 1 }, doc: "movie id" },
    ];
  },
};
