import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The part of a nats-core message the benchmarks use. */
export interface NatsMsg {
  data: Uint8Array;
  respond(d: Uint8Array | string): boolean;
}

/** The part of a raw nats-core connection the benchmarks use (no @wren/bus: floors measure the client alone). */
export interface NatsLike {
  subscribe(s: string, o: { queue?: string; callback(err: unknown, m: NatsMsg): void }): unknown;
  request(s: string, d: Uint8Array | string, o: { timeout: number }): Promise<NatsMsg>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

// bench/ has no package.json: the client comes from the package that depends on it.
const { connect } = createRequire(
  join(fileURLToPath(new URL("../", import.meta.url)), "packages/bus/package.json"),
)("@nats-io/transport-node") as { connect(o: object): Promise<NatsLike> };

/** A raw nats-core connection to `servers`, with any further connect options. */
export function connectNats(servers: string, options: object = {}): Promise<NatsLike> {
  return connect({ servers, ...options });
}
