import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BufferedFileWriter } from "./buffered-writer.js";
import { csvField } from "./csv-field.js";
import { openDataset, type ReadOptions } from "./dataset.js";
import { NO_GENRES } from "./genres.js";
import type { DatasetFormat } from "./types.js";

export interface ConvertSummary {
  from: DatasetFormat;
  out: string;
  movies: number;
  ratings: number;
  links: number;
}

/**
 * Rewrites any MovieLens data set (ml-1m, ml-100k, ml-latest) as ml-latest CSV in `out`, streaming, so
 * tools that read only movies.csv / ratings.csv / links.csv (the DuckDB feature pipeline) accept it.
 * Latin-1 titles become UTF-8 and genres use the ml-latest vocabulary; links.csv is written only when the
 * source has links.
 */
export async function convertToMlLatest(
  dir: string,
  out: string,
  opts: ReadOptions = {},
): Promise<ConvertSummary> {
  if (resolve(out) === resolve(dir)) throw new Error(`convert needs an output directory other than ${dir}`);
  const ds = await openDataset(dir);
  await mkdir(out, { recursive: true });
  const summary: ConvertSummary = { from: ds.format, out, movies: 0, ratings: 0, links: 0 };

  const movies = new BufferedFileWriter(join(out, "movies.csv"));
  movies.write("movieId,title,genres\n");
  for await (const m of ds.movies()) {
    movies.write(
      `${m.movieId},${csvField(m.title)},${m.genres.length === 0 ? NO_GENRES : m.genres.join("|")}\n`,
    );
    summary.movies++;
    await movies.drain();
  }
  await movies.close();

  const ratings = new BufferedFileWriter(join(out, "ratings.csv"));
  ratings.write("userId,movieId,rating,timestamp\n");
  for await (const batch of ds.ratingBatches(opts)) {
    let text = "";
    for (const r of batch) text += `${r.userId},${r.movieId},${r.rating.toFixed(1)},${r.timestamp}\n`;
    ratings.write(text);
    summary.ratings += batch.length;
    await ratings.drain();
  }
  await ratings.close();

  if (ds.files.links !== null) {
    const links = new BufferedFileWriter(join(out, "links.csv"));
    links.write("movieId,imdbId,tmdbId\n");
    for await (const l of ds.links()) {
      links.write(`${l.movieId},${l.imdbId},${l.tmdbId}\n`);
      summary.links++;
      await links.drain();
    }
    await links.close();
  }
  return summary;
}
