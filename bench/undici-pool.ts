import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The part of undici's Pool the benchmarks use. */
export interface PoolLike {
  request(o: { method: string; path: string; body?: string; headers?: Record<string, string> }): Promise<{
    statusCode: number;
    body: { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> };
  }>;
  close(): Promise<void>;
}

// bench/ has no package.json: undici comes from a package that depends on it.
export const { Pool } = createRequire(
  join(fileURLToPath(new URL("../", import.meta.url)), "packages/tfserving-client/package.json"),
)("undici") as { Pool: new (url: string, o: { connections: number; pipelining?: number }) => PoolLike };
