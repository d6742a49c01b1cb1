import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export interface RawRating {
  userId: number;
  movieId: number;
  rating: number;
  ts: number;
}

export interface RawMovie {
  movieId: number;
  title: string;
  genres: string[];
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Writes an ml-latest style directory; `ratingsText` overrides ratings.csv verbatim (bad-input tests). */
export async function writeDataset(
  movies: RawMovie[],
  ratings: RawRating[],
  over: { ratingsText?: string; moviesText?: string; links?: boolean } = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wren-features-"));
  const moviesCsv =
    over.moviesText ??
    `movieId,title,genres\n${movies
      .map(
        (m) =>
          `${m.movieId},${csvField(m.title)},${m.genres.length ? m.genres.join("|") : "(no genres listed)"}`,
      )
      .join("\n")}\n`;
  const ratingsCsv =
    over.ratingsText ??
    `userId,movieId,rating,timestamp\n${ratings.map((r) => `${r.userId},${r.movieId},${r.rating},${r.ts}`).join("\n")}\n`;
  await writeFile(join(dir, "movies.csv"), moviesCsv);
  await writeFile(join(dir, "ratings.csv"), ratingsCsv);
  if (over.links !== false) {
    await writeFile(
      join(dir, "links.csv"),
      `movieId,imdbId,tmdbId\n${movies.map((m) => `${m.movieId},${String(m.movieId).padStart(7, "0")},${m.movieId * 10}`).join("\n")}\n`,
    );
  }
  return dir;
}

/** All rows of a Parquet file as JS objects (numbers as numbers). */
export async function readParquet(path: string): Promise<Record<string, string | number>[]> {
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const conn = await db.connect();
  try {
    const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
    return rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : (v as string)]),
      ),
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
