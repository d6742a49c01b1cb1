import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { type InputFiles, loadInput, locateInput, scalar, sqlString } from "./input.js";
import type { FeaturesManifest } from "./manifest.js";
import { SAMPLE_COLUMNS } from "./sample-columns.js";
import {
  movieFeaturesSql,
  POSITIVE_RATING,
  posStateSql,
  type SplitPoint,
  samplesSql,
  splitRowSql,
  splitTimestampSql,
  userFeaturesSql,
} from "./sql.js";

export interface EngineerOptions {
  /** ml-latest style directory: movies.csv, ratings.csv, links.csv. */
  dataDir: string;
  /** Created if missing; existing output files are replaced. */
  outDir: string;
  /** Latest share of ratings (by time) that become test samples. Default 0.2. */
  testFraction?: number;
  /** DuckDB worker threads; default: the machine's cores. */
  threads?: number;
  /** DuckDB memory limit (DuckDB syntax, e.g. "2GB"); beyond it DuckDB spills to `tempDir`. */
  memoryLimit?: string;
  /** Spill directory; default a fresh directory under the OS temp dir, removed at the end. */
  tempDir?: string;
  /** Called as each stage starts: (stage name, stages done, stage count). */
  onStage?: (stage: string, done: number, total: number) => void;
}

export const OUTPUT_FILES = {
  trainingSamples: { parquet: "trainingSamples.parquet", csv: "trainingSamples.csv" },
  testSamples: { parquet: "testSamples.parquet", csv: "testSamples.csv" },
  movieFeatures: "movieFeatures.parquet",
  userFeatures: "userFeatures.parquet",
  userHistory: "userHistory.parquet",
} as const;

export const MANIFEST_FILE = "manifest.json";

const STAGES = [
  "read and validate input",
  "positive-rating state",
  "point-in-time samples",
  "online movie features",
  "online user features",
  "write samples",
  "write online features",
] as const;

/** Runs the whole offline feature job and writes the outputs plus manifest.json (last). */
export async function engineerFeatures(opts: EngineerOptions): Promise<FeaturesManifest> {
  const started = Date.now();
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1))
    throw new Error(`testFraction must be in (0, 1), got ${testFraction}`);
  const files = await locateInput(resolve(opts.dataDir));
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const tempDir = opts.tempDir ?? join(tmpdir(), `wren-duckdb-${process.pid}-${Date.now()}`);
  const checksums = checksumInputs(files);
  checksums.catch(() => {}); // awaited below; avoid an unhandled rejection if DuckDB fails first

  const db = await DuckDBInstance.create(":memory:", {
    threads: String(opts.threads ?? availableParallelism()),
    memory_limit: opts.memoryLimit ?? "2GB",
    temp_directory: tempDir,
  });
  const conn = await db.connect();
  const stage = (i: number) => opts.onStage?.(STAGES[i], i, STAGES.length);
  try {
    stage(0);
    await loadInput(conn, files);
    const genres = (await conn.runAndReadAll("SELECT DISTINCT unnest(genreList) AS g FROM movies ORDER BY g"))
      .getRows()
      .map((r) => String(r[0]));
    stage(1);
    await conn.run(posStateSql(genres));
    stage(2);
    const total = await scalar(conn, "SELECT count(*) FROM ratings");
    await conn.run(samplesSql(await splitPoint(conn, total - Math.floor(total * testFraction))));
    stage(3);
    await conn.run(movieFeaturesSql());
    stage(4);
    await conn.run(userFeaturesSql());

    stage(5);
    const cols = SAMPLE_COLUMNS.map((c) => `"${c}"`).join(", ");
    // CSV: fixed-point text for the doubles (DuckDB formats DECIMAL several times faster than DOUBLE).
    const csvCols = SAMPLE_COLUMNS.map((c) =>
      c === "rating"
        ? `"${c}"::DECIMAL(3, 1) AS "${c}"`
        : DOUBLE_COLUMNS.has(c)
          ? `"${c}"::DECIMAL(12, 4) AS "${c}"`
          : `"${c}"`,
    ).join(", ");
    const copy = async (where: string, target: { parquet: string; csv: string }) => {
      await conn.run(`COPY (SELECT ${cols} FROM samples WHERE ${where})
        TO ${sqlString(join(outDir, target.parquet))} (FORMAT parquet)`);
      await conn.run(`COPY (SELECT ${csvCols} FROM samples WHERE ${where})
        TO ${sqlString(join(outDir, target.csv))} (FORMAT csv, HEADER true)`);
    };
    await copy("NOT isTest", OUTPUT_FILES.trainingSamples);
    await copy("isTest", OUTPUT_FILES.testSamples);
    stage(6);
    const toParquet = (q: string, file: string) =>
      conn.run(`COPY (${q}) TO ${sqlString(join(outDir, file))} (FORMAT parquet)`);
    await toParquet("SELECT * FROM movie_features", OUTPUT_FILES.movieFeatures);
    await toParquet("SELECT * FROM user_features", OUTPUT_FILES.userFeatures);
    await toParquet(
      `SELECT userId, movieId, rating, ts AS "timestamp" FROM ratings ORDER BY userId, ts, movieId`,
      OUTPUT_FILES.userHistory,
    );

    const manifest = await summarise(conn, files, await checksums, testFraction);
    manifest.durationMs = Date.now() - started;
    await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    conn.closeSync();
    db.closeSync();
    if (!opts.tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

async function summarise(
  conn: DuckDBConnection,
  files: InputFiles,
  checksums: FeaturesManifest["input"]["files"],
  testFraction: number,
): Promise<FeaturesManifest> {
  const row = (
    await conn.runAndReadAll(`SELECT
      (SELECT count(*) FROM ratings) AS ratings,
      (SELECT count(DISTINCT userId) FROM ratings) AS users,
      (SELECT count(*) FROM movies) AS movies,
      (SELECT count(DISTINCT movieId) FROM ratings) AS ratedMovies,
      avg(label) AS posAll,
      avg(label) FILTER (WHERE NOT isTest) AS posTrain,
      avg(label) FILTER (WHERE isTest) AS posTest,
      min("timestamp") AS tmin, max("timestamp") AS tmax,
      min("timestamp") FILTER (WHERE isTest) AS testFrom,
      count(*) FILTER (WHERE NOT isTest) AS train,
      count(*) FILTER (WHERE isTest) AS test
    FROM samples`)
  ).getRowObjectsJS()[0];
  const n = (k: string) => Number(row[k] ?? 0);
  return {
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    input: { dir: files.dir, format: files.format, files: checksums },
    counts: {
      ratings: n("ratings"),
      users: n("users"),
      movies: n("movies"),
      ratedMovies: n("ratedMovies"),
      trainingSamples: n("train"),
      testSamples: n("test"),
    },
    positiveRate: { all: n("posAll"), training: n("posTrain"), test: n("posTest") },
    timeRange: { min: n("tmin"), max: n("tmax"), testFrom: n("testFrom") },
    testFraction,
    positiveThreshold: POSITIVE_RATING,
    files: OUTPUT_FILES,
    durationMs: 0,
  };
}

const DOUBLE_COLUMNS = new Set<string>([
  "movieAvgRating",
  "movieRatingStddev",
  "userAvgReleaseYear",
  "userReleaseYearStddev",
  "userAvgRating",
  "userRatingStddev",
]);

/** The first test row for `trainCount` training rows; past the end when there are no test rows. */
async function splitPoint(conn: DuckDBConnection, trainCount: number): Promise<SplitPoint> {
  const at = (await conn.runAndReadAll(splitTimestampSql(trainCount))).getRows();
  if (at.length === 0) return { ts: Number.MAX_SAFE_INTEGER, userId: 0, movieId: 0 };
  const row = (await conn.runAndReadAll(splitRowSql(Number(at[0][0]), Number(at[0][1])))).getRows()[0];
  return { ts: Number(row[0]), userId: Number(row[1]), movieId: Number(row[2]) };
}

async function checksumInputs(files: InputFiles): Promise<FeaturesManifest["input"]["files"]> {
  const paths = [files.movies, files.ratings, ...(files.links ? [files.links] : [])];
  const entries = await Promise.all(
    paths.map(async (p) => {
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) hash.update(chunk);
      return [basename(p), { sha256: hash.digest("hex"), bytes: (await stat(p)).size }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
