import { readFileSync } from "node:fs";
import { isIP } from "node:net";
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
  /** Fastify `trustProxy` (`TRUST_PROXY`): whom to believe about the client address in X-Forwarded-For. */
  trustProxy: boolean | string;
  experiments: ExperimentsConfig;
  experimentsFile: string | null;
  logLevel: string;
}

const PROXY_ADDRESS_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * `TRUST_PROXY`: empty or `false` (default: the peer is the client), `true` (trust every hop), or a
 * comma-separated list of proxy addresses / CIDRs (or `loopback`, `linklocal`, `uniquelocal`). The client
 * is then the rightmost X-Forwarded-For entry not from a trusted proxy, so a forged header cannot pick
 * another rate-limit bucket. Fastify 5 ignores hop counts (it cannot check the peer), so they are refused.
 */
export function parseTrustProxy(raw: string | undefined): boolean | string {
  const value = (raw ?? "").trim();
  if (value === "" || value === "false") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) {
    throw new Error(
      `config: TRUST_PROXY=${value}: hop counts are not supported; list the proxies' addresses or CIDRs`,
    );
  }
  const entries = value.split(",").map((e) => e.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split("/");
    const okBits =
      bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(address) === 6 ? 128 : 32));
    if (!(PROXY_ADDRESS_NAMES.has(entry) || (isIP(address) !== 0 && okBits && extra === undefined))) {
      throw new Error(
        `config: TRUST_PROXY entry ${JSON.stringify(entry)} is not an IP address, CIDR, loopback, linklocal or uniquelocal (or use true, false, a hop count)`,
      );
    }
  }
  return entries.join(",");
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
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    experiments,
    experimentsFile,
    logLevel,
  });
}
