import { DEFAULT_PREFIX, DEFAULT_REDIS_URL } from "@wren/feature-store";
import { DEFAULT_MEMORY_LIMIT } from "@wren/features";
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_FEATURES_DIR, runPipeline } from "./run-pipeline.js";

export function registerPipelineCommand(program: Command): void {
  program
    .command("pipeline")
    .description(
      "Run the offline pipeline: MovieLens data → point-in-time features and samples (DuckDB) → Item2Vec " +
        "embeddings → a new feature version in Redis, flipped live atomically",
    )
    .option(
      "--data <dir>",
      "MovieLens directory (movies.csv, ratings.csv, links.csv); default: generated demo data in data/demo",
    )
    .option(
      "--out <dir>",
      "output directory for samples, online features and manifest.json",
      DEFAULT_FEATURES_DIR,
    )
    .option("--redis <url>", "Redis URL", DEFAULT_REDIS_URL)
    .option("--prefix <prefix>", "Redis key prefix", DEFAULT_PREFIX)
    .option(
      "--test-fraction <f>",
      "latest share of ratings (by time) used as test samples",
      parseFraction,
      0.2,
    )
    .option(
      "--memory-limit <size>",
      `DuckDB memory limit before spilling to disk (default ${DEFAULT_MEMORY_LIMIT})`,
    )
    .option("--no-embeddings", "skip training and loading the Item2Vec embeddings")
    .option("-q, --quiet", "no progress bars or summary")
    .action(async (o) => {
      await runPipeline({
        data: o.data,
        out: o.out,
        redisUrl: o.redis,
        prefix: o.prefix,
        embeddings: o.embeddings,
        testFraction: o.testFraction,
        memoryLimit: o.memoryLimit,
        quiet: o.quiet,
      });
    });
}

function parseFraction(v: string): number {
  const f = Number(v);
  if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`must be between 0 and 1, got "${v}"`);
  return f;
}
