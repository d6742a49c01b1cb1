// Start-up only. Run: node --import tsx --import @wren/telemetry/register services/recall-service/src/main.ts
import { awaitRedis, runService, serviceRedisOptions } from "@wren/bus";
import { FeatureStore } from "@wren/feature-store";
import { createLogger, tuneGarbageCollector } from "@wren/telemetry";
import { Redis } from "ioredis";
import { LiveCatalog } from "./adapters/live-catalog.js";
import { loadConfig } from "./config.js";
import { warmCatalogIndex } from "./domain/catalog-index.js";
import { recallRoutes } from "./handlers/routes.js";

tuneGarbageCollector();

const config = loadConfig();
const redis = new Redis(config.redisUrl, serviceRedisOptions(config.redisCommandTimeoutMs));
await awaitRedis(redis, createLogger({ service: "recall-service" }), 5000);
const store = new FeatureStore(redis, config.featureStorePrefix);
let catalog: LiveCatalog | undefined;

await runService({
  name: "recall-service",
  version: "0.1.0",
  description: "Candidates (popular, top-rated, genre, Item2Vec, two-tower) and catalogue look-ups",
  natsUrl: config.natsUrl,
  subjectPrefix: config.subjectPrefix,
  async routes(_bus, logger) {
    catalog = new LiveCatalog(store, {
      minRatingCount: config.minRatingCount,
      pollMs: config.versionPollMs,
      logger,
      warm: (index) => warmCatalogIndex(index, config.recall, config.warmMs),
    });
    await catalog.start();
    return recallRoutes({ catalog, store, recall: config.recall });
  },
  onStop() {
    catalog?.stop();
    redis.disconnect();
  },
});
