import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { type DuckDbOptions, openDuckDb } from "./duckdb.js";
import { type InputFiles, loadInput, locateInput, scalar, sqlString } from "./input.js";
import type { FeaturesManifest } from "./manifest.js";
import {
  GenreCodes,
  isTestSql,
  maxPositivesSql,
  movieFeaturesSql,
  POSITIVE_RATING,
  posStateSql,
  type SplitPoint,
  sampleCsvSql,
  sampleOutputSql,
  samplesSql,
  splitRowSql,
  splitTimestampSql,
  userFeaturesSql,
} from "./sql.js";

export interface EngineerOptions extends DuckDbOptions {
  /** ml-latest style directory: movies.csv, ratings.csv, links.csv. */
  dataDir: string;
  /** Created if missing; existing output files are replaced. */
  outDir: string;
  /** Latest share of ratings (by time) that become test samples. Default 0.2. */
  testFraction?: number;
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

// The small online outputs come first, while the buffer pool is empty; then the samples (one wide row per
// rating), sorted once into a table that the four sample files are scanned from.
const STAGES = [
  "read and validate input",
  "positive-rating state",
  "online movie features",
  "online user features",
  "user histories",
  "point-in-time samples",
  "write samples",
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

  const { conn, close } = await openDuckDb({ threads: opts.threads, memoryLimit: opts.memoryLimit, tempDir });
  const stage = (i: number) => opts.onStage?.(STAGES[i], i, STAGES.length);
  try {
    stage(0);
    await loadInput(conn, files);
    const genres = (await conn.runAndReadAll("SELECT DISTINCT unnest(genreList) AS g FROM movies ORDER BY g"))
      .getRows()
      .map((r) => String(r[0]));
    const codes = new GenreCodes(genres);
    const copy = (query: string, file: string, format = "parquet") =>
      conn.run(
        `COPY (${query}) TO ${sqlString(file)} (FORMAT ${format}${format === "csv" ? ", HEADER true" : ""})`,
      );
    const out = (name: string) => join(outDir, name);
    stage(1);
    await conn.run(posStateSql(codes, await scalar(conn, maxPositivesSql)));
    stage(2);
    await copy(movieFeaturesSql(), out(OUTPUT_FILES.movieFeatures));
    stage(3);
    await copy(userFeaturesSql(codes), out(OUTPUT_FILES.userFeatures));
    stage(4);
    await copy(
      `SELECT userId, movieId, rating, ts AS "timestamp" FROM ratings ORDER BY userId, ts, movieId`,
      out(OUTPUT_FILES.userHistory),
    );

    stage(5);
    const total = await scalar(conn, "SELECT count(*) FROM ratings");
    const split = await splitPoint(conn, total - Math.floor(total * testFraction));
    await conn.run(samplesSql(split, codes));
    await conn.run("DROP TABLE pos_state");

    stage(6);
    for (const [where, target] of [
      ["NOT isTest", OUTPUT_FILES.trainingSamples],
      ["isTest", OUTPUT_FILES.testSamples],
    ] as const) {
      // scans of one table or one Parquet file keep their row order
      await copy(sampleOutputSql(codes, where), out(target.parquet));
      await copy(sampleCsvSql(out(target.parquet)), out(target.csv), "csv");
    }
    await conn.run("DROP TABLE samples");

    const manifest = await summarise(conn, files, await checksums, testFraction, split);
    manifest.durationMs = Date.now() - started;
    await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    close();
    if (!opts.tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

async function summarise(
  conn: DuckDBConnection,
  files: InputFiles,
  checksums: FeaturesManifest["input"]["files"],
  testFraction: number,
  split: SplitPoint,
): Promise<FeaturesManifest> {
  const isTest = isTestSql(split, "r");
  const label = `(r.rating >= ${POSITIVE_RATING})::INTEGER`;
  const row = (
    await conn.runAndReadAll(`SELECT
      (SELECT count(*) FROM ratings) AS ratings,
      (SELECT count(DISTINCT userId) FROM ratings) AS users,
      (SELECT count(*) FROM movies) AS movies,
      (SELECT count(DISTINCT movieId) FROM ratings) AS ratedMovies,
      avg(${label}) AS posAll,
      avg(${label}) FILTER (WHERE NOT ${isTest}) AS posTrain,
      avg(${label}) FILTER (WHERE ${isTest}) AS posTest,
      min(r.ts) AS tmin, max(r.ts) AS tmax,
      min(r.ts) FILTER (WHERE ${isTest}) AS testFrom,
      count(*) FILTER (WHERE NOT ${isTest}) AS train,
      count(*) FILTER (WHERE ${isTest}) AS test
    FROM ratings r`)
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
