import cluster from "node:cluster";
import { shutdownTelemetry, tuneGarbageCollector } from "@wren/telemetry";
import { HELP, parseCli } from "./config.js";
import { stderrLogger } from "./logger.js";
import { startModelServer } from "./server.js";

tuneGarbageCollector();

const log = stderrLogger();

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseCli>;
  try {
    opts = parseCli(process.argv.slice(2).filter((a) => a !== "--"));
  } catch (err) {
    process.stderr.write(`model-server: ${(err as Error).message}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  // --workers N: N processes share the ports (the cluster primary accepts and hands out connections);
  // each has its own onnxruntime session with one intra-op thread.
  if (opts.workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < opts.workers; i++) cluster.fork();
    cluster.on("exit", (worker, code, signal) => {
      log.error(`worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
      process.exit(1);
    });
    const stop = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGTERM");
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return;
  }
  const server = await startModelServer({
    models: opts.models,
    modelConfigFile: opts.modelConfigFile,
    modelConfigFilePollSeconds: opts.modelConfigFilePollSeconds,
    grpcPort: opts.grpcPort,
    restPort: opts.restPort,
    host: opts.host,
    pollSeconds: opts.pollSeconds,
    maxLoadRetries: opts.maxLoadRetries,
    loadRetryIntervalMs: opts.loadRetryIntervalMs,
    enableBatching: opts.enableBatching,
    batching: opts.batching,
    enableCors: opts.enableCors,
    tensorContent: opts.tensorContent,
    maxBodyBytes: opts.maxBodyBytes,
    restTimeoutMs: opts.restTimeoutMs,
    log,
  });
  const stop = async () => {
    log.info("shutting down");
    await server.close();
    await shutdownTelemetry(); // flush the last spans (the SDK is started by --import @wren/telemetry/register)
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err) => {
  log.error((err as Error).stack ?? String(err));
  process.exit(1);
});
