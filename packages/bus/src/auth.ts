import { readFileSync } from "node:fs";
import { type ConnectionOptions, credsAuthenticator } from "@nats-io/transport-node";

type Env = Record<string, string | undefined>;

export type NatsAuth = Pick<ConnectionOptions, "user" | "pass" | "token" | "authenticator">;

/**
 * NATS credentials from the environment: `NATS_USER` + `NATS_PASSWORD`, `NATS_TOKEN`, or a `NATS_CREDS`
 * file (JWT + nkey seed). nats.js v3 ignores `user:pass@` in the server URL, so they must travel here.
 * The creds file is read at each (re)connect, so a rotated file is picked up without a restart.
 */
export function natsAuthFromEnv(env: Env): NatsAuth {
  const auth: NatsAuth = {};
  if (env.NATS_USER) auth.user = env.NATS_USER;
  if (env.NATS_PASSWORD) {
    if (!env.NATS_USER) throw new Error("config: NATS_PASSWORD is set but NATS_USER is not");
    auth.pass = env.NATS_PASSWORD;
  }
  if (env.NATS_TOKEN) auth.token = env.NATS_TOKEN;
  const creds = env.NATS_CREDS;
  if (creds) {
    try {
      readFileSync(creds);
    } catch (e) {
      throw new Error(`config: NATS_CREDS=${creds} cannot be read: ${(e as Error).message}`);
    }
    auth.authenticator = credsAuthenticator(() => readFileSync(creds));
  }
  return auth;
}
