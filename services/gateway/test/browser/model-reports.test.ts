import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelDirCatalog } from "../../src/adapters/model-dir-catalog.js";
import { build } from "../../src/app.js";
import { FakeBackend, RecordingExposures } from "../fake-backend.js";

/** The routes only the model pages use: a model version's evaluation files. */
describe("model report routes", () => {
  let app: FastifyInstance;
  let models: string;

  beforeAll(async () => {
    models = mkdtempSync(join(tmpdir(), "wren-reports-"));
    mkdirSync(join(models, "neuralcf", "1"), { recursive: true });
    mkdirSync(join(models, "neuralcf", "2"), { recursive: true });
    writeFileSync(join(models, "neuralcf", "1", "report.html"), "<!doctype html><h1>Evaluation</h1>");
    writeFileSync(join(models, "neuralcf", "1", "evaluation.json"), '{"formatVersion":1,"results":[]}');
    writeFileSync(join(models, "neuralcf", "1", "model.onnx"), "weights");
    writeFileSync(join(models, "secret.txt"), "not a report");
    app = await build({
      backend: new FakeBackend(),
      models: modelDirCatalog(models),
      modelsDir: models,
      exposures: new RecordingExposures(),
      readiness: async () => ({ ready: true, checks: {} }),
      experiments: { active: null },
      defaultModel: "neuralcf",
      recommendationDeadlineMs: 200,
      rateLimitPerMinute: 10_000,
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(models, { recursive: true, force: true });
  });

  it("serves a version's report sandboxed, and its evaluation", async () => {
    const html = await app.inject("/models/neuralcf/1/report.html");
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toMatch(/^text\/html/);
    expect(html.headers["content-security-policy"]).toMatch(/^sandbox; default-src 'none';/);
    expect(html.body).toContain("<h1>Evaluation</h1>");
    const json = await app.inject("/models/neuralcf/1/evaluation.json");
    expect(json.json()).toEqual({ formatVersion: 1, results: [] });
    expect((await app.inject("/api/models/neuralcf/versions/1/evaluation")).json()).toEqual({
      model: "neuralcf",
      version: 1,
      reportUrl: "/models/neuralcf/1/report.html",
      evaluation: { formatVersion: 1, results: [] },
    });
    expect((await app.inject("/api/models/neuralcf/versions/2/evaluation")).json()).toEqual({
      model: "neuralcf",
      version: 2,
      reportUrl: null,
      evaluation: null,
    });
    expect((await app.inject("/models/neuralcf/2/report.html")).statusCode).toBe(404);
  });

  it("reads no other file: unknown models, versions, files and traversal are refused", async () => {
    for (const url of [
      "/models/neuralcf/1/model.onnx",
      "/models/neuralcf/0/report.html",
      "/models/..%2Fsecret.txt/1/report.html",
    ]) {
      expect((await app.inject(url)).statusCode, url).toBe(400);
    }
    // Dot segments are resolved (or refused) before any route: never the parent directory.
    const dots = await app.inject("/models/%2E%2E/1/report.html");
    expect(dots.statusCode).toBe(404);
    expect(dots.body).not.toContain("not a report");
    for (const url of [
      "/models/deepfm/1/report.html",
      "/models/neuralcf/3/report.html",
      "/api/models/deepfm/versions/1/evaluation",
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toBe("not_found");
    }
  });
});
