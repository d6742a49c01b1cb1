import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Svcm } from "@nats-io/services";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { SERVICES } from "@wren/contracts";
import { FeatureStore, loadFeatures } from "@wren/feature-store";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture } from "@wren/onnx/testing";
import { freePort } from "@wren/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerEnv, packageOf, readCompose } from "../src/compose.js";
import { makeEnv } from "../src/env-file.js";
import { NEARLINE_WORKER } from "../src/nats-permissions.js";
import { repoPath } from "../src/paths.js";
import { NATS_SERVER_BIN, type Proc, startProcess, tempDir } from "./private-servers.js";

/**
 * Each service started exactly as its container starts it: `deploy/entrypoint.sh` in the package folder,
 * with the environment and arguments of docker-compose.yml. Only the addresses differ: the compose host
 * names (nats, redis) become private servers on free ports, container paths become temp folders.
 */
const compose = readCompose();
const vars = makeEnv();
const ENTRYPOINT = repoPath("deploy/entrypoint.sh");
const exists = (svc: string) => existsSync(repoPath("services", svc, "src/main.ts"));
const BUS = Object.values(SERVICES).filter((s) => s !== SERVICES.gateway);
/** The smallest feature version a rating of user 7 for movie 1 applies to. */
const FEATURES = {
  movies: [
    {
      movieId: 1,
      fields: { title: "Toy Story (1995)", genres: "Comedy", releaseYear: 1995 },
      topRatings: "",
    },
  ],
  users: [{ userId: 7, fields: { userRatingCount: 0 } }],
  histories: [],
  embeddings: [{ space: "i2v", dim: 2, vectors: [{ id: 1, vector: [0.5, -1] }] }],
  meta: { source: "deploy-tests" },
};
describe("services started with the production command", () => {
  const procs: Record<string, Proc> = {};
  let infra: Proc[] = [];
  let natsPort: number;
  let admin: NatsConnection;
  let modelsRoot: string;
  let gatewayPort: number;
  let restPort: number;
  let workerPort: number;
  /** The offline pipeline's Redis user, as the compose pipeline job logs in. */
  let pipeline: Redis;

  const svcmOf = (nc: NatsConnection) => new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);

  beforeAll(async () => {
    natsPort = await freePort();
    const redisPort = await freePort();
    const natsStore = tempDir("start-nats");
    // The deploy config: one user and permission set per service, passwords from the generated .env.
    const natsArgs = ["-c", repoPath("deploy/nats/nats.conf"), "-a", "127.0.0.1", "-p", String(natsPort)];
    natsArgs.push("-js", "-sd", natsStore);
    const redisDir = tempDir("start-redis");
    const redisArgs = [repoPath("deploy/redis/users.acl"), join(redisDir, "users.acl")];
    redisArgs.push(repoPath("deploy/redis/redis.conf"), "--port", String(redisPort), "--bind", "127.0.0.1");
    redisArgs.push("--aclfile", join(redisDir, "users.acl"), "--dir", redisDir, "--appendonly", "no");
    const secrets = { ...process.env, ...Object.fromEntries(vars) };
    infra = await Promise.all([
      startProcess(NATS_SERVER_BIN, natsArgs, { port: natsPort, env: secrets, cleanup: natsStore }),
      startProcess("sh", [repoPath("deploy/redis/start.sh"), ...redisArgs], {
        port: redisPort,
        env: secrets,
        cleanup: redisDir,
      }),
    ]);
    // One live feature version, loaded as the pipeline job loads it: what the ratings below apply to.
    pipeline = new Redis({
      port: redisPort,
      host: "127.0.0.1",
      username: "pipeline",
      password: vars.get("REDIS_PIPELINE_PASSWORD"),
    });
    await loadFeatures(pipeline, FEATURES);
    admin = await connect({
      servers: `127.0.0.1:${natsPort}`,
      user: "admin",
      pass: vars.get("NATS_ADMIN_PASSWORD"),
    });

    // A NeuralCF-shaped model where the compose models volume would be, and a models.config pointing at it.
    modelsRoot = tempDir("start-models");
    const fixture = buildNeuralCfFixture();
    await writeModelVersion(modelsRoot, "neuralcf", { onnx: fixture.onnx, signature: fixture.signature });
    const modelsConfig = join(modelsRoot, "models.config");
    writeFileSync(
      modelsConfig,
      `model_config_list { config { name: "neuralcf" base_path: "${modelsRoot}/neuralcf" } }\n`,
    );
    gatewayPort = await freePort();
    restPort = await freePort();
    workerPort = await freePort();
    const grpcPort = await freePort();

    const local = (value: string) =>
      value
        .replace("nats://nats:4222", `nats://127.0.0.1:${natsPort}`)
        .replace("@redis:6379", `@127.0.0.1:${redisPort}`)
        .replace(/^\/models$/, modelsRoot)
        .replace("http://model-server:8501", `http://127.0.0.1:${restPort}`);
    const start = async (
      name: string,
      args: string[],
      port: number | null,
      extra: Record<string, string> = {},
    ) => {
      const svc = compose.services[name];
      const env = Object.fromEntries(Object.entries(containerEnv(svc, vars)).map(([k, v]) => [k, local(v)]));
      // No collector here: without an endpoint the SDK still propagates trace context but exports nothing.
      delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
      const cwd = repoPath(packageOf(svc) as string);
      const child = { ...process.env, ...env, ...extra };
      procs[name] = await startProcess("sh", [ENTRYPOINT, ...args], {
        port: port ?? natsPort,
        env: child,
        cwd,
        // tsx compiles each file on first start: tens of seconds on a busy 2-core machine.
        timeoutMs: 90_000,
      });
    };

    const modelServerArgs = (compose.services["model-server"].command ?? []).map((a) =>
      a
        .replace(/^--port=\d+$/, `--port=${grpcPort}`)
        .replace(/^--rest_api_port=\d+$/, `--rest_api_port=${restPort}`)
        .replace(/^--model_config_file=.*$/, `--model_config_file=${modelsConfig}`),
    );
    await Promise.all([
      exists("model-server") ? start("model-server", modelServerArgs, restPort) : null,
      ...BUS.filter(exists).map((s) => start(s, [], null)),
      exists("gateway") ? start("gateway", [], gatewayPort, { PORT: String(gatewayPort) }) : null,
      // Listening means bound: the worker opens its HTTP port after its durable consumer.
      start(NEARLINE_WORKER, [], workerPort, { PORT: String(workerPort) }),
    ]);
  }, 180_000);

  afterAll(async () => {
    pipeline?.disconnect();
    await admin?.close();
    await Promise.all(Object.values(procs).map((p) => p.stop()));
    await Promise.all(infra.map((p) => p.stop()));
  });

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
    const deadline = Date.now() + ms;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const logs = Object.entries(procs).map(
      ([n, p]) => `--- ${n} (exit ${p.child.exitCode})\n${p.output().slice(-1500)}`,
    );
    throw new Error(`${what}: not ready after ${ms} ms (${String(last)})\n${logs.join("\n")}`);
  }

  it.skipIf(!exists("model-server"))("model-server answers /readyz once the model is loaded", async () => {
    await waitFor("model-server", async () => {
      const res = await fetch(`http://127.0.0.1:${restPort}/readyz`);
      return res.ok ? true : undefined;
    });
    const status = (await (await fetch(`http://127.0.0.1:${restPort}/v1/models/neuralcf`)).json()) as {
      model_version_status: { state: string }[];
    };
    expect(status.model_version_status[0].state).toBe("AVAILABLE");
  });

  it.each(BUS)("%s registers its NATS service and answers discovery", async (name) => {
    if (!exists(name)) return expect(procs[name]).toBeUndefined();
    const found = await waitFor(name, async () => {
      const it = await svcmOf(admin).client({ strategy: "timer", maxWait: 300 }).ping(name);
      for await (const p of it) return p;
      return undefined;
    });
    expect(found.name).toBe(name);
  });

  it.skipIf(!exists("gateway"))(
    "gateway is live, and ready when every service it calls answers",
    async () => {
      const base = `http://127.0.0.1:${gatewayPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      if (BUS.every(exists)) {
        await waitFor("gateway /readyz", async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));
      } else {
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        expect(JSON.stringify(await res.json())).toMatch(/no responders/);
      }
    },
  );

  it("nearline-worker applies a rating POSTed to the gateway, each with its own NATS and Redis user", async () => {
    expect((await fetch(`http://127.0.0.1:${workerPort}/readyz`)).status).toBe(200);
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/api/users/7/ratings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ movieId: 1, rating: 4.5, timestamp: 1_000_000 }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await res.json()).toMatchObject({ status: "accepted", stream: "WREN_RATINGS", seq: 1 });
    const store = new FeatureStore(pipeline);
    const history = await waitFor("rating applied", async () => {
      const h = await store.getUserHistory(7);
      return h.length > 0 ? h : undefined;
    });
    expect(history).toEqual([{ movieId: 1, rating: 4.5, timestamp: 1_000_000 }]);

    // A pipeline rebuild flips to a version without the rating (the event is acked, the live consumer will
    // not see it again): only the worker's replay of the stream, an ordered consumer, can bring it over.
    const { version } = await loadFeatures(pipeline, FEATURES);
    const replayed = await waitFor("rating replayed onto the rebuilt version", async () => {
      if ((await store.currentVersion()) !== version) return undefined;
      const h = await store.getUserHistory(7);
      return h.length > 0 ? h : undefined;
    });
    expect(replayed).toEqual(history);
  });

  // Idle, every process must be gone well inside compose's 20 s grace period: a slow exit means something
  // (a keep-alive socket, a timer, a telemetry exporter) holds the event loop, and scale-downs crawl.
  it("every service drains and exits 0 on SIGTERM within 2.5 s when idle", async () => {
    const exits = await Promise.all(
      Object.entries(procs).map(async ([name, p]) => {
        const started = performance.now();
        const code = new Promise<number | null>((resolve) => p.child.once("exit", (c) => resolve(c)));
        p.child.kill("SIGTERM");
        const result = await Promise.race([
          code,
          new Promise<string>((r) => setTimeout(() => r("timeout"), 15_000)),
        ]);
        const ms = Math.round(performance.now() - started);
        return [name, { code: result, fast: ms < 2500 ? true : `exited after ${ms} ms` }] as const;
      }),
    );
    expect(Object.fromEntries(exits)).toEqual(
      Object.fromEntries(Object.keys(procs).map((n) => [n, { code: 0, fast: true }])),
    );
  });
});
