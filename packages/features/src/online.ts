import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { MANIFEST_FILE, OUTPUT_FILES } from "./engineer.js";
import { sqlString } from "./input.js";
import type { FeaturesManifest } from "./manifest.js";
import { POSITIVE_RATING } from "./sql.js";

type Fields = Record<string, string | number>;

/**
 * The online outputs of a features directory as streams of records, in the shapes the feature-store
 * loader takes (structurally: this package does not depend on the store).
 */
export interface OnlineFeatures {
  manifest: FeaturesManifest;
  movies: AsyncIterable<{ movieId: number; fields: Fields; topRatings: string }>;
  users: AsyncIterable<{ userId: number; fields: Fields }>;
  /** entries: movieId, "rating:timestamp", … in time order. */
  histories: AsyncIterable<{ userId: number; entries: (string | number)[] }>;
  close(): void;
}

export async function readManifest(outDir: string): Promise<FeaturesManifest> {
  const path = join(outDir, MANIFEST_FILE);
  try {
    return JSON.parse(await readFile(path, "utf8")) as FeaturesManifest;
  } catch (err) {
    throw new Error(`${path}: no features output here (${(err as Error).message}); run wren pipeline first`);
  }
}

export async function openOnlineFeatures(outDir: string): Promise<OnlineFeatures> {
  const manifest = await readManifest(outDir);
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const conn = await db.connect();
  const file = (name: string) => sqlString(join(outDir, name));
  return {
    manifest,
    movies: rows(conn, `SELECT * FROM ${file(OUTPUT_FILES.movieFeatures)}`, (r) => {
      const { movieId, topRatings, ...fields } = r;
      return { movieId: Number(movieId), fields: fields as Fields, topRatings: String(topRatings) };
    }),
    users: rows(conn, `SELECT * FROM ${file(OUTPUT_FILES.userFeatures)}`, (r) => {
      const { userId, ...fields } = r;
      return { userId: Number(userId), fields: fields as Fields };
    }),
    histories: rows(
      conn,
      // Numbers, not "rating:ts" strings built in SQL: decoding a million short VARCHARs from DuckDB cost
      // more than the whole Redis write of them.
      `SELECT userId, list(movieId ORDER BY "timestamp", movieId) AS m,
         list(rating ORDER BY "timestamp", movieId) AS r,
         list("timestamp" ORDER BY "timestamp", movieId) AS t
       FROM ${file(OUTPUT_FILES.userHistory)} GROUP BY userId ORDER BY userId`,
      (row) => {
        const m = row.m as number[];
        const r = row.r as number[];
        const t = row.t as number[];
        const entries: (string | number)[] = new Array(m.length * 2);
        for (let i = 0; i < m.length; i++) {
          entries[2 * i] = m[i];
          entries[2 * i + 1] = `${ratingText(r[i])}:${t[i]}`;
        }
        return { userId: Number(row.userId), entries };
      },
    ),
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

/** A rating as DuckDB prints a DOUBLE ("4.0", "3.5"), so the stored history text does not change. */
function ratingText(r: number): string {
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

async function* rows<T>(
  conn: DuckDBConnection,
  sql: string,
  map: (row: Record<string, unknown>) => T,
): AsyncIterable<T> {
  const result = await conn.stream(sql);
  for await (const batch of result.yieldRowObjectJs()) {
    for (const row of batch) yield map(row as Record<string, unknown>);
  }
}

/**
 * Each user's positively rated movies in time order (ties by movie id), from every rating of the data:
 * the Item2Vec sentences for the online embeddings. Sorted by user id.
 */
export async function positiveSequences(
  outDir: string,
): Promise<Array<[userId: number, movieIds: number[]]>> {
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT userId, list(movieId ORDER BY "timestamp", movieId) AS m
       FROM ${sqlString(join(outDir, OUTPUT_FILES.userHistory))}
       WHERE rating >= ${POSITIVE_RATING} GROUP BY userId ORDER BY userId`,
    );
    return reader.getRowsJS().map((r) => [Number(r[0]), (r[1] as number[]).map(Number)]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
