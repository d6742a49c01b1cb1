// Start-up only. Run: node --import tsx --import @wren/telemetry/register services/nearline-worker/src/main.ts
import { createLogger, shutdownTelemetry, tuneGarbageCollector } from "@wren/telemetry";
import { loadConfig, USAGE } from "./config.js";
import { startNearlineWorker } from "./run.js";

tuneGarbageCollector();

if (process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (process.argv.length > 2) {
  console.error(
    `nearline-worker: unexpected argument ${process.argv[2]} (settings are environment variables)\n`,
  );
  console.error(USAGE);
  process.exit(2);
}

const log = createLogger({ service: "nearline-worker" });
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(`nearline-worker: ${(err as Error).message}`);
  process.exit(2);
}
const handle = await startNearlineWorker(config, log);

const stop = (signal: string) => {
  log.info("stopping: draining in-flight events", { signal });
  handle
    .stop()
    .then(() => shutdownTelemetry())
    .then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err) => {
        log.error("unclean stop", { err });
        process.exit(1);
      },
    );
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
