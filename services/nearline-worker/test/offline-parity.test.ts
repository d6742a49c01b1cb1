import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type MovieFacts, parseHistory, userFeaturesFromHistory } from "@wren/feature-store";
import { engineerFeatures, openOnlineFeatures } from "@wren/features";
import { afterAll, describe, expect, it } from "vitest";

/** A small deterministic pseudo-random data set with same-second ties, movies without a year or genres. */
function dataset(seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const GENRES = ["Action", "Comedy", "Drama", "Romance", "Sci-Fi", "Thriller"];
  const movies = Array.from({ length: 40 }, (_, i) => {
    const genres = GENRES.filter(() => rnd() < 0.3);
    const year = rnd() < 0.1 ? "" : ` (${1950 + Math.floor(rnd() * 70)})`;
    return `${i + 1},Movie ${i + 1}${year},${genres.length ? genres.join("|") : "(no genres listed)"}`;
  });
  const ratings: string[] = [];
  for (let u = 1; u <= 30; u++) {
    const n = 1 + Math.floor(rnd() * 25);
    const seen = new Set<number>();
    for (let k = 0; k < n; k++) {
      const m = 1 + Math.floor(rnd() * 40);
      if (seen.has(m)) continue;
      seen.add(m);
      const ts = 1_000_000 + Math.floor(rnd() * 50) * 60; // coarse: many ties in the same second
      ratings.push(`${u},${m},${0.5 + Math.floor(rnd() * 10) * 0.5},${ts}`);
    }
  }
  return {
    movies: `movieId,title,genres\n${movies.join("\n")}\n`,
    ratings: `userId,movieId,rating,timestamp\n${ratings.join("\n")}\n`,
  };
}

/**
 * The real-time user features are the offline ones: for every user of a generated data set, the features
 * the worker computes from the user's history equal those the DuckDB pipeline (`userFeaturesSql`) wrote.
 */
describe("real-time user features = offline SQL", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("matches field by field for every user", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wren-parity-"));
    dirs.push(dir);
    const data = dataset(42);
    await writeFile(join(dir, "movies.csv"), data.movies);
    await writeFile(join(dir, "ratings.csv"), data.ratings);
    await engineerFeatures({ dataDir: dir, outDir: join(dir, "out"), threads: 1 });
    const online = await openOnlineFeatures(join(dir, "out"));
    try {
      const facts = new Map<number, MovieFacts>();
      for await (const m of online.movies) {
        const genres = String(m.fields.genres ?? "");
        facts.set(m.movieId, {
          releaseYear: Number(m.fields.releaseYear),
          genres: genres ? genres.split("|") : [],
        });
      }
      const histories = new Map<number, Record<string, string>>();
      for await (const h of online.histories) {
        const fields: Record<string, string> = {};
        for (let i = 0; i < h.entries.length; i += 2) fields[String(h.entries[i])] = String(h.entries[i + 1]);
        histories.set(h.userId, fields);
      }
      let users = 0;
      for await (const u of online.users) {
        const ours = userFeaturesFromHistory(parseHistory(histories.get(u.userId) ?? {}), (id) =>
          facts.get(id),
        );
        const offline = Object.fromEntries(
          Object.entries(u.fields).map(([k, v]) => [k, typeof v === "string" ? v : String(Number(v))]),
        );
        expect(ours, `user ${u.userId}`).toEqual(offline);
        users++;
      }
      expect(users).toBe(30);
    } finally {
      online.close();
    }
  });
});
