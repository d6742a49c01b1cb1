import { type Route, route } from "@wren/bus";
import { ENDPOINTS, isWrenError, WrenError } from "@wren/contracts";
import type { BatchReader } from "../adapters/batch-reader.js";

/** `wren.features.v1.batch`; Redis failures answer 503 (retryable) so callers degrade. */
export function featureRoutes(reader: BatchReader): Route[] {
  return [
    route(ENDPOINTS.featuresBatch, async (req) => {
      try {
        return await reader.read(req);
      } catch (e) {
        if (isWrenError(e)) throw e;
        throw WrenError.unavailable(`feature store unavailable: ${(e as Error).message}`, { cause: e });
      }
    }),
  ];
}
