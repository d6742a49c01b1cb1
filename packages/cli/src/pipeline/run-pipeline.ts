import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { connectRedis, type LoadResult } from "@wren/feature-store";
import { engineerFeatures, type FeaturesManifest } from "@wren/features";
import { convertToMlLatest, detectFormat, GENERATE_DEFAULTS, generateDataset } from "@wren/movielens";
import { printTable, progressBar } from "../progress.js";
import { type EmbeddingSummary, trainOnlineEmbeddings } from "./embeddings.js";
import { loadFeaturesDir } from "./load.js";

export const DEMO_DATA_DIR = "data/demo";
export const DEFAULT_FEATURES_DIR = "data/features";

export interface PipelineOptions {
  /** MovieLens directory; when absent, generated demo data in data/demo (generated once). */
  data?: string;
  out: string;
  redisUrl: string;
  prefix: string;
  /** Train and load the Item2Vec embeddings (default true). */
  embeddings?: boolean;
  testFraction?: number;
  memoryLimit?: string;
  threads?: number;
  quiet?: boolean;
}

export interface PipelineResult {
  dataDir: string;
  manifest: FeaturesManifest;
  embeddings: EmbeddingSummary[];
  load: LoadResult;
}

/** data → features (DuckDB) → embeddings → Redis, each step with a progress bar, then a summary table. */
export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const quiet = opts.quiet ?? false;
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const out = await fn();
    timings[step] = (Date.now() - t) / 1000;
    return out;
  };
  // Fail before minutes of work if Redis is unreachable.
  const redis = await connectRedis(opts.redisUrl);
  try {
    const dataDir = resolve(opts.data ?? DEMO_DATA_DIR);
    if (!opts.data && !existsSync(join(dataDir, "ratings.csv"))) {
      await timed("generate", async () => {
        const bar = progressBar("generate demo", GENERATE_DEFAULTS.users, { quiet });
        await generateDataset({ out: dataDir, onProgress: (done) => bar.update(done) });
        bar.stop();
      });
    }
    // ml-1m / ml-100k: rewritten as ml-latest CSV (streaming), the layout the DuckDB job reads.
    let featureInput = dataDir;
    const format = await detectFormat(dataDir);
    if (format !== "ml-latest") {
      featureInput = join(resolve(opts.out), `input-${format}-as-ml-latest`);
      await timed("convert", () => convertToMlLatest(dataDir, featureInput));
    }
    const manifest = await timed("features", async () => {
      const bar = progressBar("features", 7, { quiet });
      try {
        return await engineerFeatures({
          dataDir: featureInput,
          outDir: opts.out,
          testFraction: opts.testFraction,
          memoryLimit: opts.memoryLimit,
          threads: opts.threads,
          onStage: (stage, done) => bar.update(done, { stage }),
        });
      } finally {
        bar.update(7, { stage: "done" });
        bar.stop();
      }
    });
    const embeddings =
      opts.embeddings === false
        ? []
        : await timed("embeddings", async () => {
            const epochs = 5;
            const bar = progressBar("item2vec", epochs, { quiet });
            try {
              return await trainOnlineEmbeddings(opts.out, { epochs, onEpoch: (e) => bar.update(e) });
            } finally {
              bar.stop();
            }
          });
    const load = await timed("redis load", () =>
      loadFeaturesDir(redis, opts.out, { prefix: opts.prefix, quiet }),
    );
    if (!quiet) {
      const { counts, positiveRate } = manifest;
      printTable([
        {
          step: "data",
          result: featureInput === dataDir ? dataDir : `${dataDir} (${format}, converted to ${featureInput})`,
          seconds: (timings.generate ?? 0) + (timings.convert ?? 0),
        },
        {
          step: "features",
          result: `${counts.ratings} ratings, ${counts.users} users, ${counts.movies} movies → ${counts.trainingSamples} train / ${counts.testSamples} test samples, ${(100 * positiveRate.all).toFixed(1)}% positive`,
          seconds: timings.features,
        },
        ...embeddings.map((e) => ({
          step: `embeddings ${e.space}`,
          result: `${e.count} vectors × ${e.dim}`,
          seconds: timings.embeddings,
        })),
        {
          step: "redis",
          result: `version ${load.version} live under "${opts.prefix}" (previous ${load.previous ?? "none"}), ${load.keys} keys`,
          seconds: timings["redis load"],
        },
        { step: "output", result: resolve(opts.out), seconds: 0 },
      ]);
    }
    return { dataDir, manifest, embeddings, load };
  } finally {
    redis.disconnect();
  }
}
