import type {
  FeaturesRequest,
  FeaturesResponse,
  RankRequest,
  RankResponse,
  RecallRequest,
  RecallResponse,
} from "@wren/contracts";

/** A servable model as the model server describes it. */
export interface ModelInfo {
  /** Name on the model server (canonical Wren name). */
  name: string;
  version: number;
  /** Input names of the serving signature = feature names, e.g. ["userId", "movieId"]. */
  inputs: string[];
}

/** Input columns of one batched predict call, index-aligned with the candidates. */
export type InputColumns = Record<string, number[] | string[]>;

/** What ranking needs from the outside; adapters implement these over HTTP/gRPC/NATS or in process. */
export interface RankPorts {
  /** Resolves a model; throws a 400 WrenError naming `model` when the server has no such model. */
  model(name: string, budgetMs: number): Promise<ModelInfo>;
  features(request: FeaturesRequest, budgetMs: number): Promise<FeaturesResponse>;
  /**
   * One batched predict; returns one score per row (the model's own array: a copy of 800 would cost more
   * than the top-20 pick that reads it) and the version that answered.
   */
  predict(
    model: ModelInfo,
    inputs: InputColumns,
    budgetMs: number,
  ): Promise<{ scores: ArrayLike<number>; version: number }>;
}

/** The stages of "guess you like"; over NATS in production, direct calls in one process. */
export interface RecommendPorts {
  recall(request: RecallRequest, budgetMs: number): Promise<RecallResponse>;
  rank(request: RankRequest, deadline: number): Promise<RankResponse>;
}
