import { GENERATE_DEFAULTS, generateDataset } from "@wren/movielens";
import { type Command, InvalidArgumentError } from "commander";
import { printTable, progressBar } from "../progress.js";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

function seedInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 0xffffffff)
    throw new InvalidArgumentError(`expected an integer 0–4294967295, got "${value}"`);
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  }
  return n;
}

function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export function registerDataCommands(program: Command): void {
  const data = program.command("data").description("MovieLens data: generate demo data, download, inspect");

  data
    .command("generate")
    .description(
      "Write deterministic MovieLens-format demo data (movies.csv, ratings.csv, links.csv, truth.json) with planted taste clusters and popularity skew",
    )
    .option("--users <n>", "number of users", positiveInt, GENERATE_DEFAULTS.users)
    .option("--movies <n>", "number of movies", positiveInt, GENERATE_DEFAULTS.movies)
    .option(
      "--ratings <n>",
      "number of ratings (at least 5 per user)",
      positiveInt,
      GENERATE_DEFAULTS.ratings,
    )
    .option(
      "--seed <n>",
      "random seed: the same seed writes byte-identical files",
      seedInt,
      GENERATE_DEFAULTS.seed,
    )
    .option("--clusters <n>", "number of taste clusters", positiveInt, GENERATE_DEFAULTS.clusters)
    .option(
      "--taste-strength <beta>",
      "how strongly taste clusters steer what users rate (0 = popularity only)",
      nonNegativeNumber,
      GENERATE_DEFAULTS.tasteStrength,
    )
    .option("--out <dir>", "output directory", "data/demo")
    .option("--no-truth", "do not write truth.json (the planted user → cluster mapping)")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const started = Date.now();
      const bar = progressBar("generating users", opts.users, { quiet: opts.quiet });
      const summary = await generateDataset({
        out: opts.out,
        users: opts.users,
        movies: opts.movies,
        ratings: opts.ratings,
        seed: opts.seed,
        clusters: opts.clusters,
        tasteStrength: opts.tasteStrength,
        truth: opts.truth,
        onProgress: (done) => bar.update(done),
      }).finally(() => bar.stop());
      console.log(
        `wrote ${summary.files.join(", ")} to ${summary.dir} in ${((Date.now() - started) / 1000).toFixed(1)}s: ` +
          `${summary.users} users, ${summary.movies} movies, ${summary.ratings} ratings, ` +
          `${utc(summary.timeRange.min)} – ${utc(summary.timeRange.max)}`,
      );
      printTable(
        summary.clusters.map((c) => ({
          cluster: c.id,
          users: c.users,
          likes: c.likes.join("|"),
          dislikes: c.dislikes.join("|"),
        })),
      );
    });
}
