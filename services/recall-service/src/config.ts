import { busEnv, envInt } from "@wren/bus";
import { DEFAULT_RECALL_CONFIG, type RecallConfig } from "./domain/recall.js";

export interface RecallServiceConfig {
  natsUrl: string;
  subjectPrefix: string | undefined;
  redisUrl: string;
  /** Key prefix of the feature store (`FEATURE_STORE_PREFIX`, default `wren`). */
  featureStorePrefix: string;
  redisCommandTimeoutMs: number;
  /** How often the version pointer is checked for a new feature-store version. */
  versionPollMs: number;
  /** Minimum rating count for top-rated lists (`RECALL_MIN_RATING_COUNT`). */
  minRatingCount: number;
  /** Time a new index may spend filling Item2Vec neighbour lists before it serves (`RECALL_WARM_MS`). */
  warmMs: number;
  recall: RecallConfig;
}

/** Reads the environment once at boot; throws naming the bad key. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<RecallServiceConfig> {
  return Object.freeze({
    ...busEnv(env),
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    featureStorePrefix: env.FEATURE_STORE_PREFIX || "wren",
    redisCommandTimeoutMs: envInt(env, "REDIS_COMMAND_TIMEOUT_MS", 500, 10, 60_000),
    versionPollMs: envInt(env, "VERSION_POLL_MS", 2000, 50, 3_600_000),
    minRatingCount: envInt(env, "RECALL_MIN_RATING_COUNT", 10, 0, 1_000_000),
    warmMs: envInt(env, "RECALL_WARM_MS", 3000, 0, 600_000),
    recall: Object.freeze({
      ...DEFAULT_RECALL_CONFIG,
      size: envInt(env, "RECALL_SIZE", DEFAULT_RECALL_CONFIG.size, 1, 2000),
      minUserRatings: envInt(env, "RECALL_MIN_USER_RATINGS", DEFAULT_RECALL_CONFIG.minUserRatings, 0, 10_000),
    }),
  });
}
