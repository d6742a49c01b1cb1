import { WrenError } from "@wren/contracts";
import { type TfServingClient, TfServingError } from "@wren/tfserving-client";
import type { ModelInfo, RankPorts } from "../domain/ports.js";

/** Rejects with a TimeoutError when `budgetMs` passes first (the call itself ends on its own timeout). */
function withinBudget<T>(p: Promise<T>, budgetMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`${what}: no answer within ${Math.round(budgetMs)} ms`), {
            name: "TimeoutError",
          }),
        ),
      Math.max(1, budgetMs),
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Model resolution and ONE batched predict through @wren/tfserving-client (REST or gRPC, ours or a real
 * TF Serving). Metadata gives the version and the signature's inputs, which are the features to fetch.
 * An unknown model is the caller's mistake (400 naming `model`); anything else is a model-server failure
 * the ranker degrades on.
 */
export function tfServingPorts(client: TfServingClient): Pick<RankPorts, "model" | "predict"> {
  return {
    async model(name, budgetMs): Promise<ModelInfo> {
      try {
        const resolved = await withinBudget(client.resolve(name), budgetMs, "model metadata");
        return { name, version: resolved.version, inputs: resolved.features };
      } catch (e) {
        if (e instanceof TfServingError && e.kind === "not_found") {
          throw WrenError.badRequest(`model: unknown model ${JSON.stringify(name)}`);
        }
        throw e;
      }
    },
    async predict(model, inputs, budgetMs) {
      return withinBudget(client.predictScores(model.name, inputs), budgetMs, "predict");
    },
  };
}
