// Start-up only. Run: node --import tsx --import @wren/telemetry/register services/ranking-service/src/main.ts
import { runService } from "@wren/bus";
import { tuneGarbageCollector } from "@wren/telemetry";
import { TfServingClient } from "@wren/tfserving-client";
import { tfServingPorts } from "./adapters/tfserving.js";
import { loadConfig } from "./config.js";
import { rankingRoutes } from "./handlers/routes.js";

tuneGarbageCollector();

const config = loadConfig();
const modelServer = new TfServingClient(config.modelServer);

await runService({
  name: "ranking-service",
  version: "0.1.0",
  description:
    "Ranks recall candidates with one batched TF Serving predict; runs the guess-you-like pipeline",
  natsUrl: config.natsUrl,
  subjectPrefix: config.subjectPrefix,
  routes: (bus) =>
    rankingRoutes(bus, tfServingPorts(modelServer), {
      candidates: config.candidates,
      recallBudgetMs: config.recallBudgetMs,
    }),
  onStop: () => modelServer.close(),
});
