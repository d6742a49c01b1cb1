/**
 * Version lifecycle with real files, real onnxruntime and real sockets: hot swap under concurrent load,
 * refusal of half-written and corrupt versions, version labels, server-side batching.
 */
import { mkdir, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { neuralCfScore } from "@wren/onnx/testing";
import { TfServingClient } from "@wren/tfserving-client";
import { describe, expect, it } from "vitest";
import { type ModelServerOptions, startModelServer } from "../src/index.js";
import { fixture, memoryLogger, modelsRoot, publish, waitFor } from "./helpers.js";

/** A REST-only server over model "m" in `root`, scanning once, with `extra` options. */
function restServer(root: string, extra: Partial<ModelServerOptions> = {}) {
  return startModelServer({
    modelName: "m",
    modelBasePath: join(root, "m"),
    restPort: 0,
    grpcPort: null,
    pollSeconds: 0,
    log: memoryLogger(),
    ...extra,
  });
}

const post = async (port: number, path: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body: JSON.stringify(body) });
  return {
    status: res.status,
    json: (await res.json()) as { outputs?: number[][]; predictions?: number[][]; error?: string },
  };
};

describe("hot swap", () => {
  it("publishing version N+1 under concurrent REST and gRPC load: zero failures, switch within the poll interval", async () => {
    const { root, cleanup } = await modelsRoot();
    const v1 = await publish(root, "neuralcf", 1);
    const log = memoryLogger();
    const pollSeconds = 0.25;
    const server = await startModelServer({
      modelName: "neuralcf",
      modelBasePath: join(root, "neuralcf"),
      restPort: 0,
      grpcPort: 0,
      host: "127.0.0.1",
      pollSeconds,
      log,
    });
    const users = Array.from({ length: 200 }, (_, i) => (i * 7) % 3001);
    const movies = Array.from({ length: 200 }, (_, i) => (i * 13) % 1001);
    const v2fx = fixture(2);
    const score1 = neuralCfScore(v1.fx.weights, users[0], movies[0]);
    const score2 = neuralCfScore(v2fx.weights, users[0], movies[0]);
    expect(Math.abs(score1 - score2)).toBeGreaterThan(1e-3);
    const which = (s: number) => (Math.abs(s - score1) < 1e-5 ? 1 : Math.abs(s - score2) < 1e-5 ? 2 : 0);
    const clients = ["rest", "grpc"].map(
      (protocol) =>
        new TfServingClient({
          protocol: protocol as "rest" | "grpc",
          restUrl: `http://127.0.0.1:${server.restPort}`,
          grpcAddress: `127.0.0.1:${server.grpcPort}`,
          timeoutMs: 5000,
        }),
    );
    // version: the one whose weights computed the score; reported: the one the client says answered.
    const answers: Array<{ sent: number; at: number; version: number; reported: number }> = [];
    const failures: unknown[] = [];
    let publishedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const loop = async (client: TfServingClient) => {
      while (!stop) {
        const sent = performance.now();
        try {
          const { scores, version } = await client.predictScores("neuralcf", {
            userId: users,
            movieId: movies,
          });
          answers.push({ sent, at: performance.now(), version: which(scores[0]), reported: version });
        } catch (err) {
          failures.push(err);
        }
      }
    };
    try {
      const loops = [...clients, ...clients].map(loop);
      await new Promise((r) => setTimeout(r, 400));
      await writeFile(join(root, "ignored.txt"), "not a version");
      const { writeModelVersion } = await import("@wren/onnx");
      publishedAt = performance.now();
      await writeModelVersion(root, "neuralcf", v2fx);
      await waitFor(() => answers.some((a) => a.version === 2), 10_000, "answers from version 2");
      const switchedAt = (answers.find((a) => a.version === 2) as { at: number }).at;
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(loops);
      expect(failures).toEqual([]);
      expect(answers.every((a) => a.version === 1 || a.version === 2)).toBe(true);
      // The clients keep their metadata for a minute (their default), yet name the version that scored.
      expect(answers.filter((a) => a.reported !== a.version)).toEqual([]);
      // The poll interval plus loading and warming the new version (well under a second for this model,
      // with slack for a busy 2-core CI machine).
      expect(switchedAt - publishedAt).toBeLessThan(pollSeconds * 1000 + 2500);
      // Requests already running on v1 may finish after v2 is live, but none sent after that gets v1.
      expect(answers.filter((a) => a.sent > switchedAt && a.version !== 2)).toEqual([]);
      await waitFor(
        async () =>
          (await clients[0].status("neuralcf")).map((s) => `${s.version}:${s.state}`).join() ===
          "2:AVAILABLE,1:END",
        5000,
        "version 1 to be unloaded",
      );
      expect(log.lines.some((l) => l.includes("version 1 unloaded"))).toBe(true);
    } finally {
      stop = true;
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
      await cleanup();
    }
  });
});

describe("refusing bad versions", () => {
  it("a half-written and a corrupt version are refused and logged; the current one keeps serving", async () => {
    const { root, cleanup } = await modelsRoot();
    const v1 = await publish(root, "m", 3);
    const log = memoryLogger();
    const server = await startModelServer({
      modelName: "m",
      modelBasePath: join(root, "m"),
      restPort: 0,
      grpcPort: null,
      host: "127.0.0.1",
      pollSeconds: 0.1,
      log,
    });
    const port = server.restPort as number;
    const predict = () => post(port, "/v1/models/m:predict", { inputs: { userId: [5], movieId: [7] } });
    try {
      const good = (await predict()).json.outputs?.[0][0] as number;
      expect(good).toBeCloseTo(neuralCfScore(v1.fx.weights, 5, 7), 6);

      // Half-written: signature.json there, model.onnx not yet.
      const half = join(root, "m", "2");
      await mkdir(half);
      await writeFile(join(half, "signature.json"), JSON.stringify(v1.fx.signature));
      await waitFor(() => log.lines.some((l) => l.includes("refusing version 2")), 5000, "version 2 refused");
      expect(log.lines.find((l) => l.includes("refusing version 2"))).toMatch(/model\.onnx: cannot read/);
      // Corrupt: a newer version whose model.onnx is garbage.
      const bad = join(root, "m", "3");
      await mkdir(bad);
      await writeFile(join(bad, "signature.json"), JSON.stringify(v1.fx.signature));
      await writeFile(join(bad, "model.onnx"), Buffer.from("this is not an onnx model"));
      await waitFor(() => log.lines.some((l) => l.includes("refusing version 3")), 5000, "version 3 refused");
      expect(log.lines.find((l) => l.includes("refusing version 3"))).toMatch(/onnxruntime cannot load it/);

      const after = await predict();
      expect(after.status).toBe(200);
      expect(after.json.outputs?.[0][0]).toBe(good);
      const status = (await (await fetch(`http://127.0.0.1:${port}/v1/models/m`)).json()) as {
        model_version_status: Array<{ version: string; state: string; status: { error_message: string } }>;
      };
      expect(
        status.model_version_status.map((s: { version: string; state: string }) => `${s.version}:${s.state}`),
      ).toEqual(["3:END", "2:END", "1:AVAILABLE"]);
      expect(status.model_version_status[0].status.error_message).toMatch(/onnxruntime cannot load it/);

      // Finishing the half-written version (its files change) makes it load; 3 stays refused, so 2 serves.
      const v2fx = fixture(4);
      await writeFile(join(half, "model.onnx"), v2fx.onnx);
      await writeFile(join(half, "signature.json"), JSON.stringify(v2fx.signature));
      await waitFor(async () => (await predict()).json.outputs?.[0][0] !== good, 5000, "version 2 to serve");
      expect((await predict()).json.outputs?.[0][0]).toBeCloseTo(neuralCfScore(v2fx.weights, 5, 7), 6);
    } finally {
      await server.close();
      await cleanup();
    }
  });

  it("a signature that names tensors the graph lacks is refused with the file and tensor named", async () => {
    const { root, cleanup } = await modelsRoot();
    const fx = fixture(5);
    const dir = join(root, "m", "1");
    await mkdir(dir, { recursive: true });
    const sig = structuredClone(fx.signature);
    sig.signatures.serving_default.outputs.dense_2.onnxName = "nope";
    await writeFile(join(dir, "signature.json"), JSON.stringify(sig));
    await writeFile(join(dir, "model.onnx"), fx.onnx);
    const log = memoryLogger();
    const server = await restServer(root, { log });
    try {
      expect(log.lines.join("\n")).toMatch(
        /refusing version 1: .*signature\.json: signature serving_default output dense_2 names ONNX tensor "nope"/,
      );
      expect(server.registry.ready()).toBe(false);
      const res = await post(server.restPort as number, "/v1/models/m:predict", {
        inputs: { userId: [1], movieId: [1] },
      });
      expect(res).toEqual({ status: 404, json: { error: "Servable not found for request: Latest(m)" } });
      expect((await fetch(`http://127.0.0.1:${server.restPort}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe("version labels and policies", () => {
  it("stable/canary labels address the versions a specific policy keeps loaded", async () => {
    const { root, cleanup } = await modelsRoot();
    const v1 = await publish(root, "neuralcf", 6);
    const v2 = await publish(root, "neuralcf", 7);
    const configFile = join(root, "models.config");
    await writeFile(
      configFile,
      `model_config_list {
         config {
           name: 'neuralcf'
           base_path: '${join(root, "neuralcf")}'
           model_platform: "onnx"
           model_version_policy { specific { versions: 1 versions: 2 } }
           version_labels { key: 'stable' value: 1 }
           version_labels { key: 'canary' value: 2 }
         }
       }`,
    );
    const { readModelConfigFile } = await import("../src/index.js");
    const server = await startModelServer({
      models: readModelConfigFile(configFile),
      restPort: 0,
      grpcPort: 0,
      pollSeconds: 0,
      log: memoryLogger(),
    });
    const body = { inputs: { userId: [9], movieId: [4] } };
    const port = server.restPort as number;
    try {
      const stable = (await post(port, "/v1/models/neuralcf/labels/stable:predict", body)).json
        .outputs?.[0][0];
      const canary = (await post(port, "/v1/models/neuralcf/labels/canary:predict", body)).json
        .outputs?.[0][0];
      const latest = (await post(port, "/v1/models/neuralcf:predict", body)).json.outputs?.[0][0];
      expect(stable).toBeCloseTo(neuralCfScore(v1.fx.weights, 9, 4), 6);
      expect(canary).toBeCloseTo(neuralCfScore(v2.fx.weights, 9, 4), 6);
      expect(latest).toBe(canary);
      const grpcClient = new TfServingClient({
        protocol: "grpc",
        grpcAddress: `127.0.0.1:${server.grpcPort}`,
        models: { neuralcf: { servingName: "neuralcf", versionLabel: "stable" } },
      });
      try {
        const { scores } = await grpcClient.predictScores("neuralcf", { userId: [9], movieId: [4] });
        expect(scores[0]).toBeCloseTo(stable as number, 6);
      } finally {
        await grpcClient.close();
      }
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe("--model_config_file_poll_wait_seconds", () => {
  it("applies a re-read config file: a label moves, a model is added, another removed", async () => {
    const { root, cleanup } = await modelsRoot();
    const v1 = await publish(root, "a", 1);
    const v2 = await publish(root, "a", 2);
    const b = await publish(root, "b", 3);
    const entry = (name: string, labels = "") =>
      `config { name: '${name}' base_path: '${join(root, name)}' model_version_policy { all {} } ${labels} }`;
    const configFile = join(root, "models.config");
    await writeFile(
      configFile,
      `model_config_list { ${entry("a", "version_labels { key: 'stable' value: 1 }")} }`,
    );
    const server = await startModelServer({
      modelConfigFile: configFile,
      modelConfigFilePollSeconds: 0.1,
      restPort: 0,
      grpcPort: null,
      pollSeconds: 0,
      log: memoryLogger(),
    });
    const port = server.restPort as number;
    const score = async (path: string) =>
      (await post(port, `/v1/models/${path}:predict`, { inputs: { userId: [9], movieId: [4] } })).json
        .outputs?.[0][0];
    try {
      expect(await score("a/labels/stable")).toBeCloseTo(neuralCfScore(v1.fx.weights, 9, 4), 6);
      await writeFile(
        configFile,
        `model_config_list { ${entry("a", "version_labels { key: 'stable' value: 2 }")} ${entry("b")} }`,
      );
      await waitFor(async () => (await score("b")) !== undefined, 5000, "model b to load");
      expect(await score("b")).toBeCloseTo(neuralCfScore(b.fx.weights, 9, 4), 6);
      expect(await score("a/labels/stable")).toBeCloseTo(neuralCfScore(v2.fx.weights, 9, 4), 6);
      await writeFile(configFile, `model_config_list { ${entry("b")} }`);
      await waitFor(async () => (await score("a")) === undefined, 5000, "model a to go");
      expect((await fetch(`http://127.0.0.1:${port}/v1/models/a`)).status).toBe(404);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe("load retries (--max_num_load_retries, --load_retry_interval_micros)", () => {
  it("retries a failed load on the timer although its files did not change, even with polling off", async () => {
    const { root, cleanup } = await modelsRoot();
    await publish(root, "m", 3);
    const v2fx = fixture(4);
    const dir = join(root, "m", "2");
    await mkdir(dir);
    await writeFile(join(dir, "signature.json"), JSON.stringify(v2fx.signature));
    // Same size as the real model, so putting the real bytes back (with the old mtime) changes no fingerprint.
    const onnx = join(dir, "model.onnx");
    await writeFile(onnx, Buffer.alloc(v2fx.onnx.length, 0x41));
    const { atime, mtime } = await stat(onnx);
    const log = memoryLogger();
    const server = await restServer(root, { maxLoadRetries: 1, loadRetryIntervalMs: 1000, log });
    try {
      expect(log.lines.find((l) => l.includes("refusing version 2"))).toMatch(/\(retry 1 of 1 in 1 s\)$/);
      expect(server.registry.managers()[0].availableVersions()).toEqual([1]);
      await writeFile(onnx, v2fx.onnx);
      await utimes(onnx, atime, mtime);
      await waitFor(() => server.registry.managers()[0].latest()?.version === 2, 5000, "version 2 to load");
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe("--rest_api_timeout_in_ms", () => {
  it("answers a predict still waiting at the deadline with 504 DEADLINE_EXCEEDED, on time", async () => {
    const { root, cleanup } = await modelsRoot();
    await publish(root, "m", 9);
    // A batch that waits 400 ms for company keeps a lone request from finishing within 50 ms.
    const server = await restServer(root, {
      enableBatching: true,
      batching: { batchTimeoutMicros: 400_000 },
      restTimeoutMs: 50,
    });
    try {
      const started = performance.now();
      const r = await post(server.restPort as number, "/v1/models/m:predict", {
        inputs: { userId: [1], movieId: [2] },
      });
      expect(performance.now() - started).toBeLessThan(350);
      expect(r).toEqual({
        status: 504,
        json: { error: "Deadline exceeded: the request ran longer than --rest_api_timeout_in_ms=50" },
      });
      expect(await server.metrics.text()).toMatch(
        /wren_model_server_requests_total\{model="m",api="predict",protocol="rest",code="DEADLINE_EXCEEDED"\} 1/,
      );
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe("server-side batching", () => {
  it("merges concurrent requests into batches and hands each caller its own rows", async () => {
    const { root, cleanup } = await modelsRoot();
    const v1 = await publish(root, "m", 8);
    const server = await restServer(root, {
      enableBatching: true,
      batching: { maxBatchSize: 64, batchTimeoutMicros: 20_000 },
    });
    const port = server.restPort as number;
    try {
      const calls = Array.from({ length: 24 }, (_, i) => {
        const users = [i, i + 100, i + 200];
        const movies = [i % 10, 500, 999];
        return post(port, "/v1/models/m:predict", { inputs: { userId: users, movieId: movies } }).then(
          (r) => ({ r, users, movies }),
        );
      });
      for (const { r, users, movies } of await Promise.all(calls)) {
        expect(r.status).toBe(200);
        for (const [k, [p]] of (r.json.outputs ?? []).entries())
          expect(p).toBeCloseTo(neuralCfScore(v1.fx.weights, users[k], movies[k]), 6);
      }
      const bad = await post(port, "/v1/models/m:predict", {
        inputs: { userId: new Array(65).fill(1), movieId: new Array(65).fill(1) },
      });
      expect(bad).toEqual({
        status: 400,
        json: { error: "Task size 65 is larger than maximum input batch size 64" },
      });
      const metrics = await server.metrics.text();
      const count = Number(/wren_model_server_batch_requests_count\{model="m"\} (\d+)/.exec(metrics)?.[1]);
      const sum = Number(/wren_model_server_batch_requests_sum\{model="m"\} (\d+)/.exec(metrics)?.[1]);
      expect(sum).toBe(24);
      expect(count).toBeLessThan(24);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});
