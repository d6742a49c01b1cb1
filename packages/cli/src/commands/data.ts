import {
  convertToMlLatest,
  DOWNLOADABLE,
  downloadDataset,
  GENERATE_DEFAULTS,
  GROUPLENS_BASE_URL,
  generateDataset,
  inspectDataset,
  isDownloadable,
} from "@wren/movielens";
import type { Command } from "commander";
import { nonNegativeNumber, positiveInt, seedInt } from "../options.js";
import { DEMO_DATA_DIR } from "../pipeline/run-pipeline.js";
import { type ProgressBar, printTable, progressBar } from "../progress.js";

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
    .option("--out <dir>", "output directory", DEMO_DATA_DIR)
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

  data
    .command("download")
    .description(
      `Download a MovieLens data set from GroupLens, check its size and MD5, and unpack it to <out>/<name>/ (one of: ${DOWNLOADABLE.join(", ")})`,
    )
    .argument("<name>", `data set: ${DOWNLOADABLE.join(" | ")}`)
    .option("--out <dir>", "directory to unpack into", "data")
    .option("--base-url <url>", "where <name>.zip and <name>.zip.md5 are served", GROUPLENS_BASE_URL)
    .option("--quiet", "no progress output")
    .action(async (name: string, opts) => {
      if (!isDownloadable(name)) {
        throw new Error(`unknown data set "${name}": choose one of ${DOWNLOADABLE.join(", ")}`);
      }
      let bar: ProgressBar | null = null;
      const result = await downloadDataset(name, {
        dest: opts.out,
        baseUrl: opts.baseUrl,
        log: (message) => console.error(`note: ${message}`),
        onProgress: (done, total) => {
          bar ??= progressBar(`downloading ${name}`, total ?? 0, { quiet: opts.quiet });
          bar.update(done, { MB: done / 1e6 });
        },
      }).finally(() => bar?.stop());
      const check = {
        published: "MD5 matches the published .md5",
        pinned: "MD5 matches Wren's pinned checksum",
        "size-only": "size checked (no checksum known)",
      }[result.checksum];
      console.log(
        `${result.name}: ${(result.bytes / 1e6).toFixed(1)} MB, ${check}; unpacked to ${result.dir} (format ${result.format})`,
      );
    });

  data
    .command("inspect")
    .description(
      "Read a MovieLens-format directory and report its format, counts, rating range and time range",
    )
    .argument("<dir>", "data directory (ml-latest CSV, ml-1m .dat or ml-100k files)")
    .option("--json", "print the report as JSON")
    .option("--quiet", "no progress output")
    .action(async (dir: string, opts) => {
      let bar: ProgressBar | null = null;
      const report = await inspectDataset(dir, {
        onProgress: (done, total) => {
          bar ??= progressBar("reading ratings", total ?? 0, { quiet: opts.quiet || opts.json });
          bar.update(done);
        },
      }).finally(() => bar?.stop());
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      const { ratingRange: r, timeRange: t, ratingsPerUser: u } = report;
      printTable([
        { field: "directory", value: report.dir },
        { field: "format", value: report.format },
        { field: "movies", value: report.movies },
        { field: "  without genres", value: report.moviesWithoutGenres },
        { field: "  without a year", value: report.moviesWithoutYear },
        {
          field: "  release years",
          value: report.releaseYears ? `${report.releaseYears.min}–${report.releaseYears.max}` : "none",
        },
        { field: "links", value: report.links },
        { field: "ratings", value: report.ratings },
        { field: "  of unknown movies", value: report.ratingsOfUnknownMovies },
        { field: "  rating range", value: `${r.min}–${r.max} (mean ${r.mean.toFixed(2)})` },
        { field: "  time range", value: `${utc(t.min)} – ${utc(t.max)}` },
        { field: "users", value: report.users },
        { field: "  ratings per user", value: `min ${u.min}, median ${u.median}, max ${u.max}` },
        { field: "rated movies", value: report.ratedMovies },
      ]);
    });

  data
    .command("convert")
    .description("Rewrite an ml-1m or ml-100k data set (or any MovieLens directory) as ml-latest CSV files")
    .argument("<dir>", "data directory to read")
    .requiredOption("--out <dir>", "directory for movies.csv, ratings.csv (and links.csv)")
    .option("--quiet", "no progress output")
    .action(async (dir: string, opts) => {
      let bar: ProgressBar | null = null;
      const summary = await convertToMlLatest(dir, opts.out, {
        onProgress: (done, total) => {
          bar ??= progressBar("converting ratings", total ?? 0, { quiet: opts.quiet });
          bar.update(done);
        },
      }).finally(() => bar?.stop());
      console.log(
        `converted ${summary.from} in ${dir} to ml-latest CSV in ${summary.out}: ${summary.movies} movies, ${summary.ratings} ratings, ${summary.links} links`,
      );
    });
}
