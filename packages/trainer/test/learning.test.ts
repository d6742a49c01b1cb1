import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { engineerFeatures } from "@wren/features";
import { generateDataset } from "@wren/movielens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADAM } from "../src/optimizer.js";
import { trainFromSamples } from "../src/pipeline.js";

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, "../../..");
let dir: string;
let features: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wren-learning-"));
  // Small planted-cluster data (8 taste clusters, default strength): big enough that taste is learnable.
  await generateDataset({ out: join(dir, "data"), users: 400, movies: 600, ratings: 30_000, seed: 5 });
  features = join(dir, "features");
  await engineerFeatures({ dataDir: join(dir, "data"), outDir: features, threads: 1 });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The generator's users pick movies ∝ popularity · exp(5 · taste affinity) 85% of the time, so a model
 * that learns user taste must rank the held-out movie well above popularity (the generator's notes
 * measure item-kNN ≈ 0.68 vs popularity ≈ 0.53 HR@10); with the interactions shuffled only popularity
 * remains to be learned.
 */
describe("neuralcf learns planted taste", () => {
  it("beats the popularity baseline on HR@10 by ≥ 0.1; trained on shuffled interactions it does not", async () => {
    // Two epochs at a higher learning rate than the default keep this test short.
    const opts = { samplesDir: features, epochs: 2, seed: 1, optimizer: { ...DEFAULT_ADAM, lr: 5e-3 } };
    const real = await trainFromSamples("neuralcf", opts);
    const shuffled = await trainFromSamples("neuralcf", { ...opts, shuffleControl: true });
    const pop = real.metrics["popularity.hr@10"];
    expect(real.evaluation?.protocol.topKUsers).toBeGreaterThan(200);
    expect(real.metrics["hr@10"]).toBeGreaterThan(pop + 0.1);
    expect(shuffled.metrics["popularity.hr@10"]).toBe(pop);
    expect(shuffled.metrics["hr@10"]).toBeLessThan(pop + 0.1);
    expect(real.metrics["hr@10"]).toBeGreaterThan(shuffled.metrics["hr@10"] + 0.1);
  });
});

describe("wren train", () => {
  const wren = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", join(repoRoot, "packages/cli/src/main.ts"), "train", ...args], {
      cwd: repoRoot,
    });

  it("trains on two worker threads, evaluates and exports version 1, printing JSON", async () => {
    const models = join(dir, "models");
    const out = await wren(
      ...["--model", "neuralcf", "--data", features, "--epochs", "1", "--workers", "2"],
      ...["--models-root", models, "--json", "--quiet"],
    );
    const result = JSON.parse(out.stdout);
    expect(result.exported.version).toBe(1);
    expect(result.training.workers).toBe(2);
    expect(result.training.samplesPerSec).toBeGreaterThan(0);
    expect(result.metrics["hr@10"]).toBeGreaterThan(0);
    const sig = JSON.parse(await readFile(join(models, "neuralcf", "1", "signature.json"), "utf8"));
    expect(sig.metrics["popularity.hr@10"]).toBe(result.metrics["popularity.hr@10"]);
    expect(sig.trainingData.manifest.counts.trainingSamples).toBeGreaterThan(0);
  });

  it("names the valid models for an unknown one, and the missing file for a bad --data", async () => {
    await expect(wren("--model", "nmf", "--data", features)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /unknown model "nmf"; valid models: neuralcf, embedding-mlp, wide-deep, deepfm, two-tower/,
      ),
    });
    await expect(wren("--model", "neuralcf", "--data", join(dir, "nowhere"))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere: no trainingSamples\.parquet or trainingSamples\.csv/),
    });
  });

  it("rejects mis-shaped samples with the file and column", async () => {
    const bad = join(dir, "bad");
    await rm(bad, { recursive: true, force: true });
    await run("mkdir", ["-p", bad]);
    await writeFile(join(bad, "trainingSamples.csv"), "movieId,userId,rating,timestamp\n1,2,4.0,100\n");
    await writeFile(join(bad, "testSamples.csv"), "movieId,userId,rating,timestamp\n1,2,4.0,200\n");
    await expect(wren("--model", "neuralcf", "--data", bad)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/trainingSamples\.csv: no column "label"/),
    });
  });
});
