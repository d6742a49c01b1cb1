/**
 * Feature pipeline benchmark (on demand, not in CI):
 *   pnpm exec tsx bench/features-pipeline.ts [--ratings 1000000] [--redis URL] [--with-redis | --no-redis]
 *     [--floors]
 * 1. generates MovieLens-format data (cached in bench/.out/), 2. runs feature engineering (rows/s, wall time,
 * peak RSS of this process, DuckDB included), 3. loads the online features into Redis under a throwaway
 * prefix and compares keys/s with a baseline measured in the same run: raw pipelined HSET of exactly the same
 * keys and fields from memory (same Redis, same batch size). Redis steps run by default up to 5M ratings.
 * 4. with --floors: what the job cannot go below, in the same DuckDB settings. I/O: reading ratings.csv and
 * writing the four sample files again from the Parquet just written. Windows: the least any point-in-time
 * window formulation does — each rating's count of earlier ratings of its movie and of its user (one
 * partitioned sort each) and the samples' time order (a third sort), no other feature.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadFeaturesDir } from "../packages/cli/src/pipeline/load.js";
import { connectRedis, DEFAULT_REDIS_URL, type Redis } from "../packages/feature-store/src/index.js";
import { openDuckDb } from "../packages/features/src/duckdb.js";
import { engineerFeatures, OUTPUT_FILES, openOnlineFeatures } from "../packages/features/src/index.js";
import { ratingsCsvSql, sqlString } from "../packages/features/src/input.js";
import { sampleCsvSql } from "../packages/features/src/sql.js";
import { generateDataset } from "../packages/movielens/src/index.js";
import { hasFlag, positiveArg, stringArg } from "./args.js";

const ratings = positiveArg("--ratings", 1_000_000);
const redisUrl = stringArg("--redis", DEFAULT_REDIS_URL);
const withRedis = hasFlag("--with-redis") || (!hasFlag("--no-redis") && ratings <= 5_000_000);
const root = resolve("bench/.out");
const dataDir = join(root, `data-${ratings}`);
const outDir = join(root, `features-${ratings}`);
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

console.log(
  `feature pipeline benchmark: ${ratings} ratings (machine shared with other jobs; numbers are noisy)`,
);
if (!existsSync(join(dataDir, "ratings.csv"))) {
  const t = Date.now();
  await generateDataset({
    out: dataDir,
    ratings,
    users: Math.max(1000, Math.round(ratings / 155)),
    movies: Math.max(1500, Math.round(ratings / 400)),
    truth: false,
  });
  console.log(`generated data in ${((Date.now() - t) / 1000).toFixed(1)} s → ${dataDir}`);
}

// Per stage: wall time and CPU time of this process (all DuckDB threads); CPU time is the steadier
// number on a shared machine.
const cpuSec = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** One stage's line: wall and CPU seconds, then what ran. */
const printTiming = (wallSec: number, cpuSeconds: number, what: string) =>
  console.log(
    `  ${wallSec.toFixed(1).padStart(6)} s wall ${cpuSeconds.toFixed(1).padStart(6)} s cpu  ${what}`,
  );
const t0 = Date.now();
const cpu0 = cpuSec();
let last: { stage: string; wall: number; cpu: number } | undefined;
const endStage = () => {
  if (!last) return;
  const wall = (Date.now() - t0) / 1000 - last.wall;
  const cpu = cpuSec() - cpu0 - last.cpu;
  printTiming(wall, cpu, last.stage);
};
const manifest = await engineerFeatures({
  dataDir,
  outDir,
  onStage: (stage) => {
    endStage();
    last = { stage, wall: (Date.now() - t0) / 1000, cpu: cpuSec() - cpu0 };
  },
});
endStage();
const featSec = (Date.now() - t0) / 1000;
console.log(
  `feature engineering: ${manifest.counts.ratings} rows in ${featSec.toFixed(1)} s (cpu ${(cpuSec() - cpu0).toFixed(1)} s) = ${Math.round(manifest.counts.ratings / featSec)} rows/s; peak RSS ${mib(process.resourceUsage().maxRSS)}`,
);

if (withRedis) {
  const redis = await connectRedis(redisUrl);
  const prefix = `bench-${randomUUID()}`;
  try {
    const raw = await rawHsetBaseline(redis, `${prefix}-raw`);
    const load = await loadFeaturesDir(redis, outDir, { prefix, quiet: true });
    const loadKeysPerSec = load.keys / (load.durationMs / 1000);
    console.log(
      `raw pipelined HSET (baseline): ${raw.keys} keys, ${raw.fields} fields in ${raw.seconds.toFixed(2)} s = ${Math.round(raw.keys / raw.seconds)} keys/s, ${Math.round(raw.fields / raw.seconds)} fields/s`,
    );
    console.log(
      `feature-store load (read Parquet → versioned keys → flip): ${load.keys} keys, ${load.fields} fields in ${(load.durationMs / 1000).toFixed(2)} s = ${Math.round(loadKeysPerSec)} keys/s, ${Math.round(load.fields / (load.durationMs / 1000))} fields/s`,
    );
    console.log(
      `ratio load / raw HSET (keys/s): ${(loadKeysPerSec / (raw.keys / raw.seconds)).toFixed(2)}× (target ≥ 0.5×)`,
    );
  } finally {
    await unlinkPrefix(redis, prefix);
    redis.disconnect();
  }
}
console.log(
  `wall time ${((Date.now() - t0) / 1000).toFixed(1)} s; peak RSS ${mib(process.resourceUsage().maxRSS)}`,
);
if (hasFlag("--floors")) await floors(featSec);

/**
 * I/O: reads ratings.csv (no validation) and rewrites each sample file from its Parquet (Parquet → Parquet,
 * Parquet → CSV), less the cost of scanning that Parquet twice, which the job does not pay.
 * Windows: the two point-in-time counts and the time sort of the samples, on the ratings read.
 */
async function floors(jobSec: number) {
  const scratch = join(root, "floors");
  await mkdir(scratch, { recursive: true });
  const { conn, close } = await openDuckDb({ tempDir: join(scratch, "spill") });
  const timed = async (what: string, sql: string) => {
    const t = Date.now();
    const c = cpuSec();
    await conn.run(sql);
    const sec = (Date.now() - t) / 1000;
    printTiming(sec, cpuSec() - c, what);
    return sec;
  };
  console.log("I/O floor (no features computed):");
  let floor = await timed(
    "read ratings.csv",
    `CREATE TABLE r AS SELECT * FROM ${ratingsCsvSql(join(dataDir, "ratings.csv"))}`,
  );
  for (const { parquet, csv } of [OUTPUT_FILES.trainingSamples, OUTPUT_FILES.testSamples]) {
    const src = join(outDir, parquet);
    const scan = await timed(`scan ${parquet}`, `SELECT sum(hash(COLUMNS(*))) FROM ${sqlString(src)}`);
    floor +=
      (await timed(
        `write ${parquet}`,
        `COPY (SELECT * FROM ${sqlString(src)}) TO ${sqlString(join(scratch, parquet))} (FORMAT parquet)`,
      )) - scan;
    floor +=
      (await timed(
        `write ${csv}`,
        `COPY (${sampleCsvSql(src)}) TO ${sqlString(join(scratch, csv))} (FORMAT csv, HEADER true)`,
      )) - scan;
  }
  console.log("window floor (point-in-time counts only):");
  const windows = await timed(
    "rank per movie and per user by time, then sort by time",
    `CREATE TABLE w AS SELECT userId, movieId, "timestamp",
      rank() OVER (PARTITION BY movieId ORDER BY "timestamp") - 1 AS movieRatingCount,
      rank() OVER (PARTITION BY userId ORDER BY "timestamp") - 1 AS userRatingCount
    FROM r ORDER BY "timestamp", userId, movieId`,
  );
  close();
  await rm(scratch, { recursive: true, force: true });
  const pct = (sec: number) => `${((100 * sec) / jobSec).toFixed(0)}%`;
  console.log(
    `floors: I/O ${floor.toFixed(1)} s (${pct(floor)} of the job's ${jobSec.toFixed(1)} s) + windows ${windows.toFixed(1)} s (${pct(windows)}) = ${(floor + windows).toFixed(1)} s`,
  );
}

/** The same hashes the loader writes, held in memory first, then written with plain pipelined HSETs. */
async function rawHsetBaseline(redis: Redis, prefix: string) {
  const online = await openOnlineFeatures(outDir);
  const cmds: Array<[string, (string | number)[]]> = [];
  let fields = 0;
  for await (const m of online.movies) {
    cmds.push([`${prefix}:mf:${m.movieId}`, Object.entries(m.fields).flat() as (string | number)[]]);
    cmds.push([`${prefix}:mtop:${m.movieId}`, ["v", m.topRatings]]);
  }
  for await (const u of online.users)
    cmds.push([`${prefix}:uf:${u.userId}`, Object.entries(u.fields).flat()]);
  for await (const h of online.histories) cmds.push([`${prefix}:uh:${h.userId}`, h.entries]);
  online.close();
  for (const [, fv] of cmds) fields += fv.length / 2;
  const t = Date.now();
  let pipe = redis.pipeline();
  let queued = 0;
  for (const [key, fv] of cmds) {
    pipe.hset(key, ...fv);
    queued += fv.length / 2;
    if (queued >= 20_000) {
      await pipe.exec();
      pipe = redis.pipeline();
      queued = 0;
    }
  }
  await pipe.exec();
  const seconds = (Date.now() - t) / 1000;
  await unlinkPrefix(redis, prefix);
  return { keys: cmds.length, fields, seconds };
}

async function unlinkPrefix(redis: Redis, prefix: string) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}
