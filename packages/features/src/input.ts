import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { FeatureInputError } from "./errors.js";

/** The input files of an ml-latest style directory (movies.csv, ratings.csv, optional links.csv). */
export interface InputFiles {
  dir: string;
  format: "ml-latest";
  movies: string;
  ratings: string;
  links: string | null;
}

const HEADERS = {
  "movies.csv": "movieId,title,genres",
  "ratings.csv": "userId,movieId,rating,timestamp",
  "links.csv": "movieId,imdbId,tmdbId",
} as const;

/** Finds the input files; a wrong or empty directory is an error that says what was expected. */
export async function locateInput(dir: string): Promise<InputFiles> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FeatureInputError(dir, null, code === "ENOTDIR" ? "not a directory" : "directory not found");
  }
  const missing = (["movies.csv", "ratings.csv"] as const).filter((f) => !names.includes(f));
  if (missing.length > 0) {
    const other = names.filter((n) => /\.(dat|data|item)$/.test(n));
    throw new FeatureInputError(
      dir,
      null,
      `not an ml-latest style MovieLens directory: missing ${missing.join(" and ")}` +
        (other.length > 0
          ? ` (found ${other.join(", ")}: wren pipeline converts ml-1m/ml-100k data, or run wren data convert)`
          : ""),
    );
  }
  const files: InputFiles = {
    dir,
    format: "ml-latest",
    movies: join(dir, "movies.csv"),
    ratings: join(dir, "ratings.csv"),
    links: names.includes("links.csv") ? join(dir, "links.csv") : null,
  };
  await checkHeader(files.movies, HEADERS["movies.csv"]);
  await checkHeader(files.ratings, HEADERS["ratings.csv"]);
  if (files.links) await checkHeader(files.links, HEADERS["links.csv"]);
  return files;
}

async function checkHeader(path: string, expected: string): Promise<void> {
  if ((await stat(path)).size === 0) throw new FeatureInputError(path, null, "file is empty");
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const first = buf
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)[0];
    if (first !== expected) {
      throw new FeatureInputError(path, 1, `expected header "${expected}", found "${first.slice(0, 80)}"`);
    }
  } finally {
    await fh.close();
  }
}

export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

function readCsv(path: string, columns: Record<string, string>): string {
  const cols = Object.entries(columns)
    .map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`)
    .join(", ");
  return `read_csv(${sqlString(path)}, header = true, auto_detect = false, delim = ',', quote = '"',
    escape = '"', columns = {${cols}}, store_rejects = true)`;
}

/** ratings.csv as read by `loadInput`, before validation. */
export const ratingsCsvSql = (path: string): string =>
  readCsv(path, { userId: "INTEGER", movieId: "INTEGER", rating: "DOUBLE", timestamp: "BIGINT" });

/**
 * Loads the files into the tables `movies(movieId, title, genres, genreList, releaseYear)`,
 * `links(movieId, imdbId, tmdbId)` and `ratings(userId, movieId, rating, ts)`, then validates them.
 * Policy (docs/feature-store.md): every problem is an error naming file, line and problem — malformed rows,
 * missing values, ratings outside 0.5–5 or between half stars, unknown movie ids, duplicate movie ids or (user, movie) pairs,
 * files without data rows. Nothing is skipped silently.
 */
export async function loadInput(conn: DuckDBConnection, files: InputFiles): Promise<void> {
  // rowid follows file order (insertion order is preserved), so a row's line is rowid + 2 (header = line 1).
  await conn.run(
    `CREATE TABLE raw_movies AS SELECT * FROM ${readCsv(files.movies, {
      movieId: "INTEGER",
      title: "VARCHAR",
      genres: "VARCHAR",
    })}`,
  );
  await throwRejects(conn, files.movies);
  await conn.run(
    `CREATE TABLE ratings AS SELECT userId, movieId, rating, "timestamp" AS ts FROM ${ratingsCsvSql(files.ratings)}`,
  );
  await throwRejects(conn, files.ratings);
  if (files.links) {
    await conn.run(
      `CREATE TABLE links AS SELECT * FROM ${readCsv(files.links, {
        movieId: "INTEGER",
        imdbId: "VARCHAR",
        tmdbId: "VARCHAR",
      })}`,
    );
    await throwRejects(conn, files.links);
  } else {
    await conn.run("CREATE TABLE links (movieId INTEGER, imdbId VARCHAR, tmdbId VARCHAR)");
  }

  await firstBad(
    conn,
    files.movies,
    "raw_movies",
    "movieId IS NULL OR title IS NULL",
    "missing movieId or title",
  );
  await firstDuplicate(conn, files.movies, "raw_movies", ["movieId"], "movie id");
  await firstBad(conn, files.links ?? "", "links", "movieId IS NULL", "missing movieId");
  await firstDuplicate(conn, files.links ?? "", "links", ["movieId"], "movie id");
  await firstBad(
    conn,
    files.ratings,
    "ratings",
    "userId IS NULL OR movieId IS NULL OR rating IS NULL OR ts IS NULL",
    "missing value (userId, movieId, rating and timestamp are required)",
  );
  await firstBad(
    conn,
    files.ratings,
    "ratings",
    "NOT (rating BETWEEN 0.5 AND 5)",
    "rating outside 0.5–5",
    "'rating ' || rating",
  );
  // MovieLens rates in half stars; 3.7 is a corrupt or foreign scale, not a rating.
  await firstBad(
    conn,
    files.ratings,
    "ratings",
    "rating * 2 <> floor(rating * 2)",
    "rating not a multiple of 0.5",
    "'rating ' || rating",
  );
  await firstBad(
    conn,
    files.ratings,
    "ratings",
    "movieId NOT IN (SELECT movieId FROM raw_movies)",
    "unknown movie id (not in movies.csv)",
    "'movieId ' || movieId",
  );
  await firstDuplicate(conn, files.ratings, "ratings", ["userId", "movieId"], "(userId, movieId) pair");

  await conn.run(`CREATE TABLE movies AS
    SELECT movieId, title, genres,
      CASE WHEN genres IS NULL OR genres IN ('', '(no genres listed)') THEN []::VARCHAR[]
           ELSE string_split(genres, '|') END AS genreList,
      TRY_CAST(regexp_extract(trim(title), '\\((\\d{4})\\)$', 1) AS INTEGER) AS releaseYear
    FROM raw_movies`);
  const n = await scalar(conn, "SELECT count(*) FROM ratings");
  if (n === 0) throw new FeatureInputError(files.ratings, null, "no ratings: the file has a header only");
  if ((await scalar(conn, "SELECT count(*) FROM movies")) === 0) {
    throw new FeatureInputError(files.movies, null, "no movies: the file has a header only");
  }
}

async function throwRejects(conn: DuckDBConnection, file: string): Promise<void> {
  const rows = (
    await conn.runAndReadAll(
      "SELECT line, error_message, csv_line, count(*) OVER () AS n FROM reject_errors ORDER BY line LIMIT 1",
    )
  ).getRowObjectsJS();
  if (rows.length === 0) return;
  const r = rows[0];
  const more = Number(r.n) > 1 ? ` (${Number(r.n)} bad rows in all)` : "";
  await conn.run("DELETE FROM reject_errors; DELETE FROM reject_scans");
  throw new FeatureInputError(
    file,
    Number(r.line),
    `malformed row "${r.csv_line}": ${r.error_message}${more}`,
  );
}

async function firstBad(
  conn: DuckDBConnection,
  file: string,
  table: string,
  where: string,
  problem: string,
  detail = "NULL",
): Promise<void> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT rowid + 2 AS line, ${detail} AS detail, count(*) OVER () AS n FROM ${table} WHERE ${where}
       ORDER BY rowid LIMIT 1`,
    )
  ).getRowObjectsJS();
  if (rows.length === 0) return;
  const r = rows[0];
  const more = Number(r.n) > 1 ? ` (${Number(r.n)} such rows)` : "";
  throw new FeatureInputError(file, Number(r.line), `${problem}${r.detail ? `: ${r.detail}` : ""}${more}`);
}

async function firstDuplicate(
  conn: DuckDBConnection,
  file: string,
  table: string,
  keys: string[],
  what: string,
): Promise<void> {
  // Cheap test first (one integer key per row); the query that finds the first duplicate only on failure.
  const key =
    keys.length === 2
      ? `${keys[0]}::BIGINT * 4294967296 + (${keys[1]}::BIGINT & 4294967295)`
      : keys.join(", ");
  if ((await scalar(conn, `SELECT count(*) - count(DISTINCT ${key}) FROM ${table}`)) === 0) return;
  const k = keys.join(", ");
  const rows = (
    await conn.runAndReadAll(
      `SELECT ${k}, min(rowid) + 2 AS first, max(rowid) + 2 AS line, count(*) OVER () AS n
       FROM ${table} GROUP BY ${k} HAVING count(*) > 1 ORDER BY first LIMIT 1`,
    )
  ).getRowObjectsJS();
  if (rows.length === 0) return;
  const r = rows[0];
  const value = keys.map((key) => `${key} ${r[key]}`).join(", ");
  const more = Number(r.n) > 1 ? ` (${Number(r.n)} duplicated keys)` : "";
  throw new FeatureInputError(
    file,
    Number(r.line),
    `duplicate ${what} (${value}), first on line ${r.first}${more}`,
  );
}

export async function scalar(conn: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await conn.runAndReadAll(sql)).getRows();
  return Number(rows[0][0]);
}
