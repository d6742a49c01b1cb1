import { busEnv, envInt } from "@wren/bus";

export interface RankingServiceConfig {
  natsUrl: string;
  subjectPrefix: string | undefined;
  /** TF Serving REST base URL (ours or a real TensorFlow Serving), `MODEL_SERVER_URL`. */
  modelServerUrl: string;
  modelServerConnections: number;
  /** How long a model's metadata (version, inputs) is reused before asking again. */
  modelMetadataTtlMs: number;
  /** Candidates ranked per "guess you like" request. */
  candidates: number;
  /** Most of a request's budget recall may take. */
  recallBudgetMs: number;
}

/** Reads the environment once at boot; throws naming the bad key. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<RankingServiceConfig> {
  const modelServerUrl = env.MODEL_SERVER_URL || "http://127.0.0.1:8501";
  try {
    new URL(modelServerUrl);
  } catch {
    throw new Error(`config: MODEL_SERVER_URL=${JSON.stringify(modelServerUrl)} is not a URL`);
  }
  return Object.freeze({
    ...busEnv(env),
    modelServerUrl,
    modelServerConnections: envInt(env, "MODEL_SERVER_CONNECTIONS", 16, 1, 1024),
    modelMetadataTtlMs: envInt(env, "MODEL_METADATA_TTL_MS", 5000, 0, 3_600_000),
    candidates: envInt(env, "RANKING_CANDIDATES", 800, 1, 2000),
    recallBudgetMs: envInt(env, "RECALL_BUDGET_MS", 150, 1, 60_000),
  });
}
