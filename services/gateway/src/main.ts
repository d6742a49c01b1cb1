// Start-up only. Run: node --import tsx --import @wren/telemetry/register services/gateway/src/main.ts
import { Bus } from "@wren/bus";
import { EVENTS, SERVICES } from "@wren/contracts";
import { RatingPublisher } from "@wren/nearline-worker/publisher";
import {
  collectProcessMetrics,
  createLogger,
  registry,
  shutdownTelemetry,
  tuneGarbageCollector,
} from "@wren/telemetry";
import { LogController } from "fastify";
import { modelDirCatalog } from "./adapters/model-dir-catalog.js";
import { NatsBackend } from "./adapters/nats-backend.js";
import { build } from "./app.js";
import { loadConfig } from "./config.js";

tuneGarbageCollector();

const config = loadConfig();
const log = createLogger({ service: SERVICES.gateway });
collectProcessMetrics();
const bus = await Bus.connect({
  servers: config.natsUrl,
  name: SERVICES.gateway,
  subjectPrefix: config.subjectPrefix,
});
const backend = new NatsBackend(bus, { lookupDeadlineMs: config.lookupDeadlineMs });
const app = await build(
  {
    backend,
    models: modelDirCatalog(config.modelsDir),
    modelsDir: config.modelsDir,
    exposures: {
      publish(event) {
        try {
          bus.publish(EVENTS.exposure, event);
        } catch (err) {
          log.warn("exposure not published", { err });
        }
      },
    },
    ratings: new RatingPublisher(bus.nc, config.subjectPrefix),
    readiness: () => backend.readiness(),
    experiments: config.experiments,
    defaultModel: config.defaultModel,
    recommendationDeadlineMs: config.recommendationDeadlineMs,
    rateLimitPerMinute: config.rateLimitPerMinute,
    registry,
  },
  {
    logger: { level: config.logLevel },
    trustProxy: config.trustProxy,
    // Per-request lines only when debugging: at hundreds of requests a second they cost more than the work.
    logController: new LogController({
      disableRequestLogging: !["debug", "trace"].includes(config.logLevel),
    }),
  },
);
await app.listen({ host: config.host, port: config.port });
log.info("ready", {
  url: `http://${config.host}:${config.port}`,
  experiment: config.experiments.active?.name ?? null,
  defaultModel: config.defaultModel,
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info("stopping", { signal });
  try {
    await app.close();
    await bus.drain();
    await shutdownTelemetry();
    process.exit(0);
  } catch (err) {
    log.error("unclean stop", { err });
    process.exit(1);
  }
};
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
