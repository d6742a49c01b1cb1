// Start-up only. Run: node --import tsx --import @wren/telemetry/register services/feature-service/src/main.ts
import { awaitRedis, runService, serviceRedisOptions } from "@wren/bus";
import { createLogger, tuneGarbageCollector } from "@wren/telemetry";
import { Redis } from "ioredis";
import { BatchReader } from "./adapters/batch-reader.js";
import { loadConfig } from "./config.js";
import { featureRoutes } from "./handlers/routes.js";

tuneGarbageCollector();

const config = loadConfig();
const redis = new Redis(config.redisUrl, serviceRedisOptions(config.redisCommandTimeoutMs));
await awaitRedis(redis, createLogger({ service: "feature-service" }), 5000);

await runService({
  name: "feature-service",
  version: "0.1.0",
  description: "User and movie features of the live feature-store version, columnar, one Redis round trip",
  natsUrl: config.natsUrl,
  subjectPrefix: config.subjectPrefix,
  routes: () =>
    featureRoutes(
      new BatchReader(redis, { prefix: config.featureStorePrefix, cacheMax: config.itemCacheMax }),
    ),
  onStop: () => redis.disconnect(),
});
