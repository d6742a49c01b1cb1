import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PREFIX, storeKeys } from "@wren/feature-store";
import type { Command } from "commander";
import {
  type CliRunner,
  featuresLoaded,
  modelTrained,
  runWren,
  writeModelServerConfig,
} from "../launcher/bootstrap.js";
import { ensureNats, ensureRedis } from "../launcher/infra.js";
import { waitForHttp200 } from "../launcher/readiness.js";
import { parseReplicas, SERVICE_ORDER } from "../launcher/replicas.js";
import { Supervisor, stopOnSignals } from "../launcher/supervisor.js";
import { port, seconds } from "../options.js";
import { DEFAULT_FEATURES_DIR, DEMO_DATA_DIR } from "../pipeline/run-pipeline.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DEFAULT_MODEL = "neuralcf";
/** How often the model server's config file is refreshed and re-read. */
const MODEL_CONFIG_POLL_SECONDS = 1;

interface StartOptions {
  replicas?: string;
  data: string;
  models: string;
  features: string;
  port: number;
  modelPort: number;
  grpcPort: number;
  state: string;
  bootstrap: boolean;
  readyTimeout: number;
}

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description(
      "Run the whole system on this machine: NATS and Redis (when not running), demo data, features and a NeuralCF model (when missing), the model server and every service. Ctrl-C stops everything.",
    )
    .option("--replicas <list>", "replicas per service, e.g. ranking-service=2,recall-service=2")
    .option(
      "--data <dir>",
      "MovieLens-format data to build features from (demo data is generated there when empty)",
      DEMO_DATA_DIR,
    )
    .option(
      "--features <dir>",
      "where the pipeline writes samples and features for training (wren train and evaluate read them there)",
      DEFAULT_FEATURES_DIR,
    )
    .option("--models <dir>", "exported models (<model>/<version>/)", "models")
    .option("--port <n>", "gateway HTTP port", port, 8080)
    .option("--model-port <n>", "model server REST port (TF Serving's 8501)", port, 8501)
    .option("--grpc-port <n>", "model server gRPC port (TF Serving's 8500)", port, 8500)
    .option("--state <dir>", "data directories of the NATS and Redis this command starts", ".wren")
    .option("--no-bootstrap", "do not generate data, load features or train when they are missing")
    .option("--ready-timeout <s>", "how long to wait for the gateway to be ready", seconds, 120)
    .action(async (opts: StartOptions) => start(program, opts));
}

/**
 * What a fresh machine lacks: demo data (when the data directory has none), features in Redis (the
 * pipeline, also when training needs its samples), and a NeuralCF model.
 */
async function bootstrap(
  cli: CliRunner,
  dirs: { dataDir: string; featuresDir: string; modelsDir: string; redisUrl: string },
): Promise<void> {
  const prefix = process.env.FEATURE_STORE_PREFIX || DEFAULT_PREFIX;
  const haveFeatures = await featuresLoaded(dirs.redisUrl, storeKeys(prefix).current);
  const haveModel = modelTrained(dirs.modelsDir, DEFAULT_MODEL);
  const haveSamples = existsSync(join(dirs.featuresDir, "manifest.json"));
  if (haveFeatures && haveModel) return;
  if (!haveFeatures || !haveSamples) {
    if (!existsSync(join(dirs.dataDir, "ratings.csv")))
      await runWren(cli, ["data", "generate"], ["--out", dirs.dataDir]);
    await runWren(
      cli,
      ["pipeline"],
      ["--data", dirs.dataDir, "--out", dirs.featuresDir, "--redis", dirs.redisUrl, "--prefix", prefix],
    );
  }
  if (!haveModel) {
    await runWren(
      cli,
      ["train"],
      ["--model", DEFAULT_MODEL, "--data", dirs.featuresDir, "--models-root", dirs.modelsDir],
    );
  }
}

async function start(program: Command, opts: StartOptions): Promise<void> {
  const replicas = parseReplicas(opts.replicas);
  const natsUrl = process.env.NATS_URL || "nats://127.0.0.1:4222";
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const dataDir = resolve(opts.data);
  const modelsDir = resolve(opts.models);
  const featuresDir = resolve(opts.features);
  const stateDir = resolve(opts.state);
  const log = (line: string) => process.stdout.write(`${"wren start".padEnd(20)}| ${line}\n`);
  const supervisor = new Supervisor();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    await supervisor.stopAll();
    log("stopped");
    process.exit(code);
  };
  stopOnSignals(() => void stop(0));

  try {
    const nats = await ensureNats(supervisor, natsUrl, stateDir);
    const redis = await ensureRedis(supervisor, redisUrl, stateDir);
    log(`NATS ${natsUrl} (${nats}), Redis ${redisUrl} (${redis})`);

    const cli = {
      program,
      supervisor,
      command: process.execPath,
      baseArgs: ["--import", "tsx", join(ROOT, "packages/cli/src/main.ts")],
      cwd: process.cwd(),
      log,
    };
    if (opts.bootstrap) await bootstrap(cli, { dataDir, featuresDir, modelsDir, redisUrl });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: natsUrl,
      REDIS_URL: redisUrl,
      MODELS_DIR: modelsDir,
      MODEL_SERVER_URL: `http://127.0.0.1:${opts.modelPort}`,
    };
    supervisor.onUnexpectedExit = (label, code) => {
      if (!stopping) log(`${label} exited unexpectedly (code ${code}); the rest keep running`);
    };
    const telemetry = join(ROOT, "packages/telemetry/src/register.ts");
    const modelConfig = writeModelServerConfig(modelsDir, stateDir);
    // A model kind trained while everything runs (`wren train --model deepfm`) joins the config file, which
    // the model server re-reads; new versions of a served model it finds by itself.
    if (modelConfig)
      setInterval(
        () => writeModelServerConfig(modelsDir, stateDir),
        MODEL_CONFIG_POLL_SECONDS * 1000,
      ).unref();
    for (const service of SERVICE_ORDER) {
      const main = join(ROOT, "services", service, "src/main.ts");
      if (!existsSync(main)) {
        log(`skipped ${service}: ${main} does not exist yet`);
        continue;
      }
      let args: string[] = [];
      const serviceEnv: NodeJS.ProcessEnv = { ...env, OTEL_SERVICE_NAME: service };
      if (service === "model-server") {
        if (!modelConfig) {
          log(`skipped model-server: no trained model in ${modelsDir} (rankings will be degraded)`);
          continue;
        }
        args = [
          `--model_config_file=${modelConfig}`,
          `--model_config_file_poll_wait_seconds=${MODEL_CONFIG_POLL_SECONDS}`,
          `--rest_api_port=${opts.modelPort}`,
          `--port=${opts.grpcPort}`,
        ];
      }
      if (service === "gateway") serviceEnv.PORT = String(opts.port);
      // The worker's health/metrics port: fixed for one replica, any free port for several.
      if (service === "nearline-worker") serviceEnv.PORT = replicas[service] > 1 ? "0" : "9466";
      for (let i = 1; i <= replicas[service]; i++) {
        supervisor.start({
          label: replicas[service] > 1 ? `${service}#${i}` : service,
          command: process.execPath,
          args: ["--import", "tsx", "--import", telemetry, main, ...args],
          cwd: process.cwd(),
          env: serviceEnv,
        });
      }
    }

    const gateway = `http://127.0.0.1:${opts.port}`;
    const ready = await waitForHttp200(`${gateway}/readyz`, opts.readyTimeout * 1000, () =>
      supervisor.alive("gateway"),
    );
    if (!ready.ok) throw new Error(`the gateway did not become ready: ${ready.last}`);
    log("ready:");
    log(`  pages     ${gateway}/   (a user: ${gateway}/user.html?id=1&model=${DEFAULT_MODEL})`);
    log(`  API       ${gateway}/api/users/1/recommendations`);
    log(`  API docs  ${gateway}/docs`);
    log(`  metrics   ${gateway}/metrics`);
    log(`  models    http://127.0.0.1:${opts.modelPort}/v1/models/${DEFAULT_MODEL}`);
    if (replicas["nearline-worker"] === 1) log("  ratings   http://127.0.0.1:9466/metrics (nearline worker)");
    log("Ctrl-C stops everything.");
  } catch (err) {
    log(`error: ${(err as Error).message}`);
    await stop(1);
  }
}
