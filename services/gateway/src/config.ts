import { readFileSync } from "node:fs";
import { busEnv, envInt } from "@wren/bus";
import { type ExperimentsConfig, normaliseModelName, parseExperimentsConfig } from "./domain/experiments.js";

export interface GatewayConfig {
  host: string;
  port: number;
  natsUrl: string;
  /** Subject prefix (test isolation), `WREN_SUBJECT_PREFIX`. */
  subjectPrefix: string | undefined;
  /** Root of the exported models (`<model>/<version>/`), listed for /api/models and model validation. */
  modelsDir: string;
  defaultModel: string;
  /** Whole-request budget for "guess you like"; the backend splits it between stages. */
  recommendationDeadlineMs: number;
  /** Budget for catalogue look-ups (user, movie, genre, similar). */
  lookupDeadlineMs: number;
  rateLimitPerMinute: number;
  experiments: ExperimentsConfig;
  experimentsFile: string | null;
  logLevel: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads the environment once at boot; throws naming the bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<GatewayConfig> {
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel))
    throw new Error(`config: LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const experimentsFile = env.EXPERIMENTS_FILE || null;
  let experiments: ExperimentsConfig = { active: null };
  if (experimentsFile) {
    let text: string;
    try {
      text = readFileSync(experimentsFile, "utf8");
    } catch (err) {
      throw new Error(`config: EXPERIMENTS_FILE ${experimentsFile}: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`config: EXPERIMENTS_FILE ${experimentsFile}: invalid JSON: ${(err as Error).message}`);
    }
    experiments = parseExperimentsConfig(json, experimentsFile);
  }
  return Object.freeze({
    host: env.HOST || "127.0.0.1",
    port: envInt(env, "PORT", 8080, 0, 65535),
    ...busEnv(env),
    modelsDir: env.MODELS_DIR || "models",
    defaultModel: normaliseModelName(env.DEFAULT_MODEL || "neuralcf"),
    recommendationDeadlineMs: envInt(env, "RECOMMENDATION_DEADLINE_MS", 300, 10, 60_000),
    lookupDeadlineMs: envInt(env, "LOOKUP_DEADLINE_MS", 500, 10, 60_000),
    rateLimitPerMinute: envInt(env, "RATE_LIMIT_PER_MINUTE", 60_000, 1, 10_000_000),
    experiments,
    experimentsFile,
    logLevel,
  });
}
