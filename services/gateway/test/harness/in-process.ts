import { join } from "node:path";
import { type RecommendResponse, WrenError } from "@wren/contracts";
import { BatchReader } from "@wren/feature-service";
import { FeatureStore } from "@wren/feature-store";
import { type RankPorts, type RecommendPorts, rankCandidates, recommend } from "@wren/ranking-service";
import {
  DEFAULT_RECALL_CONFIG,
  LiveCatalog,
  lookupMovies,
  readUserSignals,
  recallCandidates,
  warmCatalogIndex,
} from "@wren/recall-service";
import type { Tensor } from "@wren/tfserving-client";
import { Redis } from "ioredis";
import { Servable } from "../../../model-server/src/servable.js";

/**
 * The same "guess you like" logic as the services, composed in ONE process with no NATS or HTTP hop
 * (unlike ranking-service's createInProcessPipeline, which still calls the model server over HTTP):
 * recall (live catalogue index + the user's history from Redis), features (one pipelined Redis read),
 * ranking (one onnxruntime run of the exported model), top N, display data. Redis stays: it is where the
 * features live, not a hop the microservice design adds. The benchmark's baseline.
 */
export class InProcessRecommender {
  private constructor(
    private readonly redis: Redis,
    private readonly catalog: LiveCatalog,
    private readonly ports: RecommendPorts,
    private readonly servable: Servable,
  ) {}

  static async start(opts: {
    redisUrl: string;
    featurePrefix: string;
    modelsDir: string;
    model: string;
    version: number;
  }): Promise<InProcessRecommender> {
    const redis = new Redis(opts.redisUrl, { enableAutoPipelining: true });
    const store = new FeatureStore(redis, opts.featurePrefix);
    const catalog = new LiveCatalog(store, {
      minRatingCount: 10,
      pollMs: 60_000,
      warm: (index) => warmCatalogIndex(index, DEFAULT_RECALL_CONFIG, 3000), // as recall-service does
    });
    await catalog.start();
    const reader = new BatchReader(redis, { prefix: opts.featurePrefix, cacheMax: 200_000 });
    const servable = await Servable.load(opts.model, join(opts.modelsDir, opts.model, String(opts.version)));
    const sig = servable.signature("serving_default");
    if (!sig) throw new Error(`${opts.model}/${opts.version} has no serving_default signature`);
    const rankPorts: RankPorts = {
      model: async (name) => ({ name, version: servable.version, inputs: Object.keys(sig.inputs) }),
      features: (request) => reader.read(request),
      predict: async (_model, inputs) => {
        const feeds = new Map<string, Tensor>();
        for (const [alias, spec] of Object.entries(sig.inputs)) {
          const column = inputs[alias];
          if (!column || spec.dtype !== "DT_INT32") {
            throw WrenError.badRequest(
              `in-process baseline feeds int32 id inputs only; ${alias} is ${spec.dtype}`,
            );
          }
          feeds.set(alias, {
            dtype: "DT_INT32",
            dims: [column.length],
            data: Int32Array.from(column as number[]),
          });
        }
        const [out] = await servable.run(sig, feeds, Object.keys(sig.outputs));
        return { scores: out?.[1].data as Float32Array, version: servable.version };
      },
    };
    const ports: RecommendPorts = {
      recall: async (req) => {
        const index = catalog.current();
        const signals = await readUserSignals(
          store.at(index.version),
          req.userId,
          index.twoTowerItems !== null,
        );
        const result = recallCandidates(index, signals, { ...DEFAULT_RECALL_CONFIG, size: req.size ?? 800 });
        return { userId: req.userId, featureVersion: index.version, ...result };
      },
      rank: (req, deadline) => rankCandidates(req, rankPorts, deadline),
    };
    return new InProcessRecommender(redis, catalog, ports, servable);
  }

  /** One request as the gateway answers it: ranked ids, then the movies' display data. */
  async recommend(
    userId: number,
    model: string,
    size: number,
    candidates: number,
  ): Promise<RecommendResponse> {
    const res = await recommend({ userId, model, size, candidates }, this.ports, Date.now() + 5000, {
      candidates,
      recallBudgetMs: 1000,
    });
    lookupMovies(this.catalog.current(), res.movieIds);
    return res;
  }

  async stop(): Promise<void> {
    this.catalog.stop();
    await this.servable.unload();
    this.redis.disconnect();
  }
}
