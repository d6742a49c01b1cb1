import type { RecommendRequest, RecommendResponse } from "@wren/contracts";
import { BatchReader } from "@wren/feature-service";
import { FeatureStore } from "@wren/feature-store";
import { DEFAULT_RECALL_CONFIG, LiveCatalog, type RecallConfig, recallForUser } from "@wren/recall-service";
import { TfServingClient } from "@wren/tfserving-client";
import type { Redis } from "ioredis";
import { tfServingPorts } from "./adapters/tfserving.js";
import type { RankPorts, RecommendPorts } from "./domain/ports.js";
import { rankCandidates } from "./domain/rank.js";
import { recommend } from "./domain/recommend.js";

export interface InProcessPipelineOptions {
  redis: Redis;
  featureStorePrefix: string;
  modelServerUrl: string;
  recall?: RecallConfig;
  minRatingCount?: number;
  candidates?: number;
}

/**
 * The whole "guess you like" pipeline in this process — the same recall, feature and ranking functions
 * the services run, with direct calls where the services use NATS. For benchmarks' same-run baseline and
 * for tools that want recommendations without the bus.
 */
export async function createInProcessPipeline(options: InProcessPipelineOptions) {
  const store = new FeatureStore(options.redis, options.featureStorePrefix);
  const catalog = new LiveCatalog(store, { minRatingCount: options.minRatingCount ?? 10, pollMs: 2000 });
  await catalog.start();
  const reader = new BatchReader(options.redis, { prefix: options.featureStorePrefix, cacheMax: 200_000 });
  const client = new TfServingClient({
    protocol: "rest",
    restUrl: options.modelServerUrl,
    connections: 16,
    metadataTtlMs: 5000,
  });
  const model = tfServingPorts(client);
  const recallDeps = { catalog, store, recall: options.recall ?? DEFAULT_RECALL_CONFIG };
  const rankPorts: RankPorts = {
    model: (name, budget) => model.model(name, budget),
    predict: (m, inputs, budget) => model.predict(m, inputs, budget),
    features: (req) => reader.read(req),
  };
  const ports: RecommendPorts = {
    recall: (req) => recallForUser(recallDeps, req),
    rank: (req, deadline) => rankCandidates(req, rankPorts, deadline),
  };
  const candidates = options.candidates ?? 800;
  return {
    recommend(req: RecommendRequest, budgetMs: number): Promise<RecommendResponse> {
      return recommend(req, ports, Date.now() + budgetMs, { candidates, recallBudgetMs: budgetMs });
    },
    async close(): Promise<void> {
      catalog.stop();
      await client.close();
    },
  };
}
