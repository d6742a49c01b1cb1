import type { FeatureColumn, SampleTable, Scorer } from "../src/eval/index.js";

/**
 * Synthetic samples with planted structure: user u and movie m belong to cluster u % 4 and m % 4; users
 * mostly rate (and like) their own cluster's movies; lower movie ids are more popular. Features:
 * movieGenre1 = "G<cluster>" of the movie, userGenre1 = "G<cluster>" of the user, movieRatingCount = 300 − m.
 */
export function syntheticSamples(): { train: SampleTable; test: SampleTable } {
  let s = 99;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const rows: Array<{ u: number; m: number; rating: number; t: number }> = [];
  for (let u = 1; u <= 160; u++) {
    const seen = new Set<number>();
    for (let i = 0; i < 25; i++) {
      const own = rnd() < 0.8;
      let m: number;
      do {
        // Popularity skew: squared uniform favours low ids.
        m = 1 + Math.floor(rnd() ** 2 * 300);
      } while (seen.has(m) || (m % 4 === u % 4) !== own);
      seen.add(m);
      rows.push({ u, m, rating: own ? 4.5 : 2, t: 1000 * u + i * 10 + Math.floor(rnd() * 5000) });
    }
  }
  const cut = [...rows.map((x) => x.t)].sort((a, b) => a - b)[Math.floor(rows.length * 0.8)];
  const table = (part: typeof rows): SampleTable => {
    const columns = new Map<string, FeatureColumn>([
      ["userId", Int32Array.from(part, (x) => x.u)],
      ["movieId", Int32Array.from(part, (x) => x.m)],
      ["rating", Float32Array.from(part, (x) => x.rating)],
      ["timestamp", Int32Array.from(part, (x) => x.t)],
      ["label", Int32Array.from(part, (x) => (x.rating >= 3.5 ? 1 : 0))],
      ["movieGenre1", part.map((x) => `G${x.m % 4}`)],
      ["userGenre1", part.map((x) => `G${x.u % 4}`)],
      ["movieRatingCount", Float64Array.from(part, (x) => 300 - x.m)],
    ]);
    return { size: part.length, columns };
  };
  return { train: table(rows.filter((x) => x.t < cut)), test: table(rows.filter((x) => x.t >= cut)) };
}

/** Knows the planted clusters from the ids alone. */
export const oracle: Scorer = {
  name: "oracle",
  features: [],
  score: (b) => Float32Array.from(b.userId, (u, i) => (u % 4 === b.movieId[i] % 4 ? 0.9 : 0.1)),
};

/** The same knowledge read from feature columns: equal results prove the candidate rows carry the right features. */
export const genreMatch: Scorer = {
  name: "genre-match",
  features: ["userGenre1", "movieGenre1"],
  async score(b) {
    const ug = b.column("userGenre1") as string[];
    const mg = b.column("movieGenre1") as string[];
    return Float32Array.from(ug, (g, i) => (g === mg[i] ? 0.9 : 0.1));
  },
};

/** A table as CSV text (header + rows), the format the feature pipeline writes next to Parquet. */
export function toCsv(table: SampleTable): string {
  const names = [...table.columns.keys()];
  const cols = names.map((n) => table.columns.get(n) as ArrayLike<unknown>);
  const lines = [names.join(",")];
  for (let i = 0; i < table.size; i++) lines.push(cols.map((c) => String(c[i])).join(","));
  return `${lines.join("\n")}\n`;
}
