import { busEnv, envInt } from "@wren/bus";

export interface WorkerConfig {
  natsUrl: string;
  subjectPrefix: string | undefined;
  redisUrl: string;
  featureStorePrefix: string;
  redisCommandTimeoutMs: number;
  /** HTTP port of /healthz, /readyz and /metrics (0 = any free port). */
  port: number;
  host: string;
  /** Ratings of users the live version does not know start a new user (else dead-lettered). */
  allowNewUsers: boolean;
  /** Messages pulled per fetch, and applied concurrently. */
  batchSize: number;
  /** Redelivery after this long without an ack (a worker that died holding the message). */
  ackWaitMs: number;
  /** Deliveries of one event before it is dead-lettered as `max-deliveries`. */
  maxDeliveries: number;
  /** How often the feature-store pointer is checked for a flip (replay) and the consumer lag is read. */
  pollMs: number;
}

export const USAGE = `wren nearline worker: applies rating events from JetStream to the live feature-store version

usage: node --import tsx --import @wren/telemetry/register services/nearline-worker/src/main.ts [--help]

environment:
  NATS_URL                 nats://127.0.0.1:4222
  WREN_SUBJECT_PREFIX      subject prefix (test isolation); also suffixes the stream names
  REDIS_URL                redis://127.0.0.1:6379
  FEATURE_STORE_PREFIX     wren
  REDIS_COMMAND_TIMEOUT_MS 1000
  HOST, PORT               127.0.0.1, 9466 (/healthz, /readyz, /metrics)
  ALLOW_NEW_USERS          1 (0: ratings of users unknown to the live version are dead-lettered)
  BATCH_SIZE               64 (messages per pull, applied concurrently)
  ACK_WAIT_MS              30000 (redelivery of events held by a dead worker)
  MAX_DELIVERIES           10 (then the event is dead-lettered as max-deliveries)
  POLL_MS                  1000 (feature-version flips → replay; consumer lag)
  LOG_LEVEL                info

Every replica binds the same durable pull consumer "nearline-worker", so replicas share the work.`;

/** Reads the environment once at boot; throws naming the bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<WorkerConfig> {
  // Empty is unset, as for every key (compose passes tunables as `${KEY:-}`).
  const allow = env.ALLOW_NEW_USERS || "1";
  if (!["0", "1"].includes(allow)) throw new Error(`config: ALLOW_NEW_USERS=${allow} must be 0 or 1`);
  return Object.freeze({
    ...busEnv(env),
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    featureStorePrefix: env.FEATURE_STORE_PREFIX || "wren",
    redisCommandTimeoutMs: envInt(env, "REDIS_COMMAND_TIMEOUT_MS", 1000, 10, 60_000),
    host: env.HOST || "127.0.0.1",
    port: envInt(env, "PORT", 9466, 0, 65535),
    allowNewUsers: allow === "1",
    batchSize: envInt(env, "BATCH_SIZE", 64, 1, 10_000),
    ackWaitMs: envInt(env, "ACK_WAIT_MS", 30_000, 500, 3_600_000),
    maxDeliveries: envInt(env, "MAX_DELIVERIES", 10, 1, 1000),
    pollMs: envInt(env, "POLL_MS", 1000, 50, 60_000),
  });
}
