import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { GraphBuilder, type ModelSignatureFile, writeModelVersion } from "@wren/onnx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVALUATION_FILE,
  type EvaluationFile,
  escapeHtml,
  evaluate,
  evaluateModelVersion,
  loadSamples,
  OnnxScorer,
  REPORT_FILE,
  renderHtml,
} from "../src/eval/index.js";
import { genreMatch, oracle, syntheticSamples, toCsv } from "./eval-fixtures.js";

let root: string;
const data = syntheticSamples();

const sig = (
  model: string,
  inputs: Record<string, "DT_INT32" | "DT_FLOAT">,
  vocabularies?: Record<string, string[]>,
) =>
  ({
    formatVersion: 1,
    model,
    signatures: {
      serving_default: {
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([name, dtype]) => [name, { onnxName: name, dtype, shape: [-1] }]),
        ),
        outputs: { score: { onnxName: "score", dtype: "DT_FLOAT", shape: [-1, 1] } },
        methodName: "tensorflow/serving/predict",
      },
    },
    features: Object.keys(inputs),
    ...(vocabularies ? { vocabularies } : {}),
    createdAt: new Date(0).toISOString(),
  }) satisfies ModelSignatureFile;

/** σ(2·[a mod 4 = b mod 4] − 1) as a graph: the planted-cluster oracle, from ids. */
function clusterModel(): Uint8Array {
  const g = new GraphBuilder();
  const u = g.input("userId", "int32", [-1]);
  const m = g.input("movieId", "int32", [-1]);
  const four = g.constant(Int32Array.from([4]), []);
  const same = g.op("Cast", [g.op("Equal", [g.op("Mod", [u, four]), g.op("Mod", [m, four])])], { to: 1 });
  return sigmoidOutput(g, same);
}

/**
 * The same oracle from feature inputs: σ(2·[userGenre1 = movieGenre1] − 1 + 0·movieRatingCount), genres
 * sent as vocabulary indices: proves feature rows, vocabularies and float inputs reach the graph intact.
 */
function genreModel(): Uint8Array {
  const g = new GraphBuilder();
  const ug = g.input("userGenre1", "int32", [-1]);
  const mg = g.input("movieGenre1", "int32", [-1]);
  const count = g.input("movieRatingCount", "float32", [-1]);
  const same = g.op("Cast", [g.op("Equal", [ug, mg])], { to: 1 });
  const plusZero = g.op("Add", [same, g.op("Mul", [count, g.constant(Float32Array.from([0]), [])])]);
  return sigmoidOutput(g, plusZero);
}

function sigmoidOutput(g: GraphBuilder, indicator: string): Uint8Array {
  const logit = g.op("Sub", [
    g.op("Mul", [indicator, g.constant(Float32Array.from([2]), [])]),
    g.constant(Float32Array.from([1]), []),
  ]);
  const col = g.op("Unsqueeze", [g.op("Sigmoid", [logit]), g.constant(BigInt64Array.from([1n]), [1])]);
  g.output(col, "float32", [-1, 1], "score");
  return g.toModel({ opset: 17, producer: "wren-eval-test" });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wren-eval-report-"));
  // Training samples as Parquet (through DuckDB, as the feature pipeline writes them), test samples as CSV.
  await writeFile(join(root, "train.csv"), toCsv(data.train));
  await writeFile(join(root, "testSamples.csv"), toCsv(data.test));
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT * FROM read_csv('${join(root, "train.csv")}', header = true)) TO '${join(root, "trainingSamples.parquet")}' (FORMAT parquet)`,
  );
  conn.closeSync();
  db.closeSync();
  const models = join(root, "models");
  await writeModelVersion(models, "cluster", {
    onnx: clusterModel(),
    signature: sig("cluster", { userId: "DT_INT32", movieId: "DT_INT32" }),
  });
  await writeModelVersion(models, "genre", {
    onnx: genreModel(),
    signature: sig(
      "genre",
      { userGenre1: "DT_INT32", movieGenre1: "DT_INT32", movieRatingCount: "DT_FLOAT" },
      { userGenre1: ["", "G2", "G0", "G3", "G1"], movieGenre1: ["", "G2", "G0", "G3", "G1"] },
    ),
  });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("loadSamples", () => {
  it("reads Parquet and CSV samples back column for column", async () => {
    const { train, test } = await loadSamples(root, [
      "userId",
      "movieId",
      "label",
      "rating",
      "movieGenre1",
      "movieRatingCount",
    ]);
    expect(train.size).toBe(data.train.size);
    expect(test.size).toBe(data.test.size);
    for (const name of ["userId", "movieId", "label", "movieGenre1"]) {
      expect([...(train.columns.get(name) as Iterable<unknown>)]).toEqual([
        ...(data.train.columns.get(name) as Iterable<unknown>),
      ]);
      expect([...(test.columns.get(name) as Iterable<unknown>)]).toEqual([
        ...(data.test.columns.get(name) as Iterable<unknown>),
      ]);
    }
    expect(train.columns.get("userId")).toBeInstanceOf(Int32Array);
    expect(train.columns.get("rating")).toBeInstanceOf(Float64Array);
    await expect(loadSamples(root, ["userId", "nope"])).rejects.toThrow(/no column "nope"/);
    await expect(loadSamples(join(root, "models"), ["userId"])).rejects.toThrow(
      /no trainingSamples\.parquet or trainingSamples\.csv/,
    );
  });
});

describe("OnnxScorer", () => {
  it("gives the same evaluation as the same model in memory, from ids and from feature inputs", async () => {
    const cluster = await OnnxScorer.load(join(root, "models", "cluster", "1"));
    const genre = await OnnxScorer.load(join(root, "models", "genre", "1"));
    try {
      expect(cluster.name).toBe("cluster v1");
      expect(genre.features).toEqual(["userGenre1", "movieGenre1", "movieRatingCount"]);
      const fromOnnx = await evaluate(data, [cluster, genre], { seed: 3 });
      const inMemory = await evaluate(data, [oracle, genreMatch], { seed: 3 });
      for (let i = 0; i < 3; i++) {
        const a = fromOnnx.results[i];
        const b = inMemory.results[i];
        expect(a.auc).toBe(b.auc);
        expect(a.hr).toEqual(b.hr);
        expect(a.ndcg).toEqual(b.ndcg);
        // σ(±1) against the in-memory 0.9 / 0.1: same order, different calibration.
        if (i < 2) expect(a.logloss).not.toBeCloseTo(b.logloss, 3);
      }
      expect(fromOnnx.results[0].hr[9]).toBeGreaterThan(fromOnnx.results[2].hr[9] + 0.1);
    } finally {
      await cluster.close();
      await genre.close();
    }
  });

  it("refuses ids outside the signature's range and strings without a vocabulary", async () => {
    const dir = join(root, "models", "ranged");
    const ranged: ModelSignatureFile = sig("ranged", { userId: "DT_INT32", movieId: "DT_INT32" });
    ranged.signatures.serving_default.inputs.movieId.range = { min: 0, max: 100 };
    await writeModelVersion(join(root, "models"), "ranged", { onnx: clusterModel(), signature: ranged });
    const scorer = await OnnxScorer.load(join(dir, "1"));
    try {
      await expect(evaluate(data, [scorer])).rejects.toThrow(
        /input "movieId" value \d+ is outside the model's range \[0, 100\]/,
      );
    } finally {
      await scorer.close();
    }
    const noVocab = sig("novocab", {
      userGenre1: "DT_INT32",
      movieGenre1: "DT_INT32",
      movieRatingCount: "DT_FLOAT",
    });
    await writeModelVersion(join(root, "models"), "novocab", { onnx: genreModel(), signature: noVocab });
    const s2 = await OnnxScorer.load(join(root, "models", "novocab", "1"));
    try {
      await expect(evaluate(data, [s2])).rejects.toThrow(
        /input "userGenre1" gets strings but signature.json has no vocabulary/,
      );
    } finally {
      await s2.close();
    }
  });
});

describe("evaluateModelVersion and the report", () => {
  it("writes evaluation.json and a self-contained report.html into the version directory", async () => {
    const { result, files } = await evaluateModelVersion({
      model: "cluster",
      modelsRoot: join(root, "models"),
      data: root,
      seed: 3,
    });
    expect(files.json).toBe(join(root, "models", "cluster", "1", EVALUATION_FILE));
    const file = JSON.parse(await readFile(files.json, "utf8")) as EvaluationFile;
    expect(file.subject).toMatchObject({ model: "cluster", version: 1 });
    expect(file.results.map((r) => r.name)).toEqual(["cluster v1", "popularity"]);
    expect(file.results[0].hr).toEqual(result.results[0].hr);
    const html = await readFile(files.html, "utf8");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)|<link|@import|url\(/);
    expect(html.match(/<svg /g)?.length).toBe(2);
    // Both scorers are drawn in both charts, and the HR@K chart has one marker per K per scorer.
    expect(html.match(/<path d="M/g)?.length).toBe(4);
    expect(html.match(/<circle /g)?.length).toBe(40);
    expect(html).toContain(result.results[0].auc.toFixed(4));
    await expect(
      evaluateModelVersion({ model: "cluster", version: 7, modelsRoot: join(root, "models"), data: root }),
    ).rejects.toThrow(/no version 7 \(have 1\)/);
  });

  it("escapes every text it puts in the page", () => {
    const evil = '<img src=x onerror="alert(1)">&';
    const html = renderHtml({
      formatVersion: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      subject: { model: evil, dataDir: evil },
      protocol: {
        testRows: 2,
        testPositives: 1,
        topKUsers: 1,
        topKSkipped: 0,
        negatives: 99,
        seed: 1,
        kMax: 20,
        heldOutTrainingRows: 0,
      },
      results: [
        {
          name: evil,
          auc: 0.5,
          prAuc: 0.5,
          logloss: 0.7,
          hr: new Array(20).fill(0.1),
          ndcg: new Array(20).fill(0.05),
          roc: [],
        },
      ],
    });
    expect(html).not.toContain("<img");
    expect(html).toContain(escapeHtml(evil));
    expect(escapeHtml(`a&b<c>"d'`)).toBe("a&amp;b&lt;c&gt;&quot;d&#39;");
  });

  it("runs as `wren evaluate` with --json and fails clearly on a missing model", async () => {
    const run = promisify(execFile);
    const cli = ["--import", "tsx", "packages/cli/src/main.ts", "evaluate"];
    const cwd = join(import.meta.dirname, "../../..");
    const out = join(root, "cli-report");
    const { stdout } = await run(
      process.execPath,
      [
        ...cli,
        "--model",
        "genre",
        "--models-root",
        join(root, "models"),
        "--data",
        root,
        "--out",
        out,
        "--json",
        "--seed",
        "3",
      ],
      { cwd },
    );
    const printed = JSON.parse(stdout);
    expect(printed.results.map((r: { name: string }) => r.name)).toEqual(["genre v1", "popularity"]);
    expect(JSON.parse(await readFile(join(out, EVALUATION_FILE), "utf8")).results[0].auc).toBe(
      printed.results[0].auc,
    );
    await readFile(join(out, REPORT_FILE), "utf8");
    const failed = await run(
      process.execPath,
      [...cli, "--model", "missing", "--models-root", join(root, "models"), "--data", root],
      { cwd },
    ).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/missing: no version directories/);
  });
});
