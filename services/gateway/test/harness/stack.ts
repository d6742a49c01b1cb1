import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeKeys } from "@wren/feature-store";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture } from "@wren/onnx/testing";
import { freePort } from "@wren/testing";
import { Redis } from "ioredis";
import { type Fixture, writeFixture } from "../../../recall-service/test/fixture-store.js";
import { httpOk, ROOT, type TestProcess, tsProcess, waitUntil } from "./processes.js";

export const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";

export interface StackOptions {
  /** Redis holding the features (a private one when the test stops it). */
  redisUrl: string;
  rankingReplicas?: number;
  /** Extra environment for every service (deadlines, …). */
  env?: Record<string, string>;
  /** Titles to put in place of the fixture's, before the services load the catalogue. */
  titles?: Record<number, string>;
}

/** NeuralCF-shaped models (name → weight seed) the model server serves. */
export const MODELS = { neuralcf: 7 } as const;

/**
 * The whole online system as separate processes on the real NATS (under a unique subject prefix) and a
 * real Redis (under a unique key prefix, with the recall-service's structured fixture: 4 genres × 15
 * movies, users 1..40 each with a one-genre history, user 1 with too few ratings, users ≥ 41 unknown),
 * ranking with NeuralCF-shaped ONNX models (`MODELS`) served by the real model server.
 */
export class Stack {
  readonly processes = new Map<string, TestProcess>();

  private constructor(
    readonly subjectPrefix: string,
    readonly fixture: Fixture,
    readonly redis: Redis,
    readonly modelsDir: string,
    readonly gatewayUrl: string,
    readonly modelServerUrl: string,
  ) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    // The test may stop this Redis: report nothing (the services' behaviour is what is tested).
    redis.on("error", () => {});
    await redis.connect();
    const fixture = await writeFixture(redis);
    const movieKey = storeKeys(fixture.prefix).version(fixture.version).movie;
    for (const [id, title] of Object.entries(opts.titles ?? {}))
      await redis.hset(movieKey(id), "title", title);
    const modelsDir = mkdtempSync(join(tmpdir(), "wren-models-"));
    const config = [];
    for (const [name, seed] of Object.entries(MODELS)) {
      const model = buildNeuralCfFixture({ seed });
      await writeModelVersion(modelsDir, name, { onnx: model.onnx, signature: model.signature });
      config.push({ name, base_path: join(modelsDir, name) });
    }
    const modelConfig = join(modelsDir, "models.config.json");
    writeFileSync(modelConfig, JSON.stringify({ model_config_list: { config } }));
    const [gatewayPort, restPort] = [await freePort(), await freePort()];
    const stack = new Stack(
      `test-${randomUUID()}`,
      fixture,
      redis,
      modelsDir,
      `http://127.0.0.1:${gatewayPort}`,
      `http://127.0.0.1:${restPort}`,
    );
    const env = {
      NATS_URL,
      REDIS_URL: opts.redisUrl,
      WREN_SUBJECT_PREFIX: stack.subjectPrefix,
      FEATURE_STORE_PREFIX: fixture.prefix,
      MODELS_DIR: modelsDir,
      MODEL_SERVER_URL: stack.modelServerUrl,
      LOG_LEVEL: "warn",
      ...opts.env,
    };
    const service = (name: string) => join(ROOT, "services", name, "src/main.ts");
    stack.add(
      tsProcess(
        "model-server",
        service("model-server"),
        [
          "--model_name=neuralcf",
          `--model_base_path=${join(modelsDir, "neuralcf")}`,
          `--rest_api_port=${restPort}`,
          "--port=0",
        ],
        env,
      ),
    );
    stack.add(tsProcess("feature-service", service("feature-service"), [], env));
    stack.add(tsProcess("recall-service", service("recall-service"), [], env));
    for (let i = 1; i <= (opts.rankingReplicas ?? 1); i++) {
      stack.add(tsProcess(`ranking-service#${i}`, service("ranking-service"), [], env));
    }
    stack.add(
      tsProcess("gateway", service("gateway"), [], { ...env, PORT: String(gatewayPort), HOST: "127.0.0.1" }),
    );
    try {
      await waitUntil("model server readiness", () => httpOk(`${stack.modelServerUrl}/readyz`), 90_000);
      await waitUntil("gateway readiness", () => httpOk(`${stack.gatewayUrl}/readyz`), 90_000);
      for (const p of stack.processes.values()) if (!p.running) throw new Error(`${p.label} exited`);
      // First requests pay for connections, JIT and the model's first run: keep them out of the tests.
      for (let u = 1; u <= 4; u++) await stack.get(`/api/users/${u}/recommendations?size=5`);
    } catch (err) {
      const logs = [...stack.processes.values()].map((p) => p.describe()).join("\n---\n");
      await stack.stop();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return stack;
  }

  private add(p: TestProcess): void {
    this.processes.set(p.label, p.start());
  }

  process(label: string): TestProcess {
    const p = this.processes.get(label);
    if (!p) throw new Error(`no process ${label}`);
    return p;
  }

  async get(path: string): Promise<{ status: number; body: unknown; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${this.gatewayUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = await res.json();
    return { status: res.status, body, ms: performance.now() - started };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.kill("SIGTERM")));
    try {
      await this.fixture.cleanup();
    } catch {
      // Redis may be the private one a test stopped.
    }
    this.redis.disconnect();
    rmSync(this.modelsDir, { recursive: true, force: true });
  }
}
