import { busEnv, envInt } from "@wren/bus";
import { clientOptionsFromEnv, type TfServingClientOptions } from "@wren/tfserving-client";

export interface RankingServiceConfig {
  natsUrl: string;
  subjectPrefix: string | undefined;
  /**
   * TF Serving client: REST at `MODEL_SERVER_URL` by default; `TFSERVING_PROTOCOL=grpc` with
   * `TFSERVING_GRPC_ADDRESS`, `TFSERVING_MODELS` routes etc. as @wren/tfserving-client reads them.
   */
  modelServer: TfServingClientOptions;
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
    modelServer: Object.freeze({
      ...clientOptionsFromEnv(env),
      restUrl: modelServerUrl,
      connections: envInt(env, "MODEL_SERVER_CONNECTIONS", 16, 1, 1024),
      metadataTtlMs: envInt(env, "MODEL_METADATA_TTL_MS", 5000, 0, 3_600_000),
    }),
    candidates: envInt(env, "RANKING_CANDIDATES", 800, 1, 2000),
    recallBudgetMs: envInt(env, "RECALL_BUDGET_MS", 150, 1, 60_000),
  });
}
