import { busEnv, envInt } from "@wren/bus";

export interface FeatureServiceConfig {
  natsUrl: string;
  subjectPrefix: string | undefined;
  redisUrl: string;
  featureStorePrefix: string;
  redisCommandTimeoutMs: number;
  itemCacheMax: number;
}

/** Reads the environment once at boot; throws naming the bad key. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<FeatureServiceConfig> {
  return Object.freeze({
    ...busEnv(env),
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    featureStorePrefix: env.FEATURE_STORE_PREFIX || "wren",
    redisCommandTimeoutMs: envInt(env, "REDIS_COMMAND_TIMEOUT_MS", 500, 10, 60_000),
    itemCacheMax: envInt(env, "ITEM_CACHE_MAX", 200_000, 0, 10_000_000),
  });
}
