import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { engineerFeatures, SAMPLE_COLUMNS } from "../src/index.js";
import { type RawMovie, type RawRating, readParquet, writeDataset } from "./helpers.js";

/** Small seeded PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 50 genres: pos_state packs its genre counters into more than one running sum (≤ 42 fields per sum here)
const GENRES = [
  ...["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller"],
  ...Array.from({ length: 43 }, (_, i) => `Genre ${i + 10}`),
];

/** Random data with many timestamp ties (60 distinct seconds for ~1,500 ratings). */
function randomData(seed: number): { movies: RawMovie[]; ratings: RawRating[] } {
  const r = rng(seed);
  const movies: RawMovie[] = Array.from({ length: 40 }, (_, i) => {
    const genres = GENRES.filter(() => r() < 0.1);
    const year = 1950 + Math.floor(r() * 70);
    const title = i % 7 === 0 ? `No Year, "Quoted" ${i}` : `Movie ${i}, The (${year})`;
    return { movieId: i * 3 + 1, title, genres };
  });
  const ratings: RawRating[] = [];
  for (let u = 1; u <= 30; u++) {
    for (const m of movies) {
      if (r() < 0.6) continue;
      ratings.push({
        userId: u,
        movieId: m.movieId,
        rating: 0.5 + Math.floor(r() * 10) / 2,
        ts: 1000 + Math.floor(r() * 60),
      });
    }
  }
  return { movies, ratings };
}

const YEAR = /\((\d{4})\)$/;

/** The features of one sample recomputed from the raw ratings, in plain TypeScript. */
function expectedFeatures(s: RawRating, movies: Map<number, RawMovie>, ratings: RawRating[]) {
  const before = ratings.filter((r) => r.ts < s.ts);
  const mine = before.filter((r) => r.userId === s.userId);
  const its = before.filter((r) => r.movieId === s.movieId).map((r) => r.rating);
  const year = (id: number) => {
    const m = YEAR.exec(movies.get(id)?.title ?? "");
    return m ? Number(m[1]) : null;
  };
  const stats = (xs: number[]) => {
    const n = xs.length;
    const avg = n ? xs.reduce((a, b) => a + b, 0) / n : 0;
    const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - avg) ** 2, 0) / (n - 1)) : 0;
    return { n, avg, sd };
  };
  const positives = mine.filter((r) => r.rating >= 3.5).sort((a, b) => b.ts - a.ts || b.movieId - a.movieId);
  const genreCount = new Map<string, number>();
  for (const p of positives)
    for (const g of movies.get(p.movieId)?.genres ?? []) genreCount.set(g, (genreCount.get(g) ?? 0) + 1);
  const topGenres = [...genreCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([g]) => g);
  const movie = movies.get(s.movieId) as RawMovie;
  const m = stats(its);
  const u = stats(mine.map((r) => r.rating));
  const y = stats(mine.map((r) => year(r.movieId)).filter((v): v is number => v !== null));
  return {
    label: s.rating >= 3.5 ? 1 : 0,
    releaseYear: year(s.movieId) ?? 0,
    movieGenre1: movie.genres[0] ?? "",
    movieGenre2: movie.genres[1] ?? "",
    movieGenre3: movie.genres[2] ?? "",
    movieRatingCount: m.n,
    movieAvgRating: m.avg,
    movieRatingStddev: m.sd,
    ...Object.fromEntries([0, 1, 2, 3, 4].map((k) => [`userRatedMovie${k + 1}`, positives[k]?.movieId ?? 0])),
    userRatingCount: u.n,
    userAvgReleaseYear: y.avg,
    userReleaseYearStddev: y.sd,
    userAvgRating: u.avg,
    userRatingStddev: u.sd,
    ...Object.fromEntries([0, 1, 2, 3, 4].map((k) => [`userGenre${k + 1}`, topGenres[k] ?? ""])),
  };
}

describe("point-in-time features", () => {
  it("no feature of any sample uses a rating at or after its timestamp (every sample recomputed)", async () => {
    for (const seed of [1, 2]) {
      const { movies, ratings } = randomData(seed);
      const dir = await writeDataset(movies, ratings);
      const out = join(dir, "out");
      const manifest = await engineerFeatures({ dataDir: dir, outDir: out, threads: 2 });
      const train = await readParquet(join(out, "trainingSamples.parquet"));
      const test = await readParquet(join(out, "testSamples.parquet"));
      expect(Object.keys(train[0])).toEqual([...SAMPLE_COLUMNS]);
      expect(train.length + test.length).toBe(ratings.length);
      expect(test.length).toBe(Math.floor(ratings.length * 0.2));
      expect(manifest.counts).toMatchObject({ trainingSamples: train.length, testSamples: test.length });

      // time split: every test row comes after every training row in (ts, userId, movieId) order
      const key = (r: Record<string, string | number>) => [r.timestamp, r.userId, r.movieId] as number[];
      const lastTrain = key(train[train.length - 1]);
      const firstTest = key(test[0]);
      const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      expect(cmp(lastTrain, firstTest)).toBeLessThan(0);
      for (let i = 1; i < train.length; i++) expect(cmp(key(train[i - 1]), key(train[i]))).toBeLessThan(0);

      const byId = new Map(movies.map((m) => [m.movieId, m]));
      for (const row of [...train, ...test]) {
        const s = {
          userId: Number(row.userId),
          movieId: Number(row.movieId),
          rating: Number(row.rating),
          ts: Number(row.timestamp),
        };
        const want = expectedFeatures(s, byId, ratings);
        for (const [col, v] of Object.entries(want)) {
          if (typeof v === "number")
            expect(Number(row[col]), `${col} of ${JSON.stringify(s)}`).toBeCloseTo(v, 3);
          else expect(row[col], `${col} of ${JSON.stringify(s)}`).toBe(v);
        }
      }
    }
  });

  it("ties: ratings in the same second never see each other; online features count everything", async () => {
    const movies: RawMovie[] = [
      { movieId: 1, title: "Toy Story (1995)", genres: ["Animation", "Comedy"] },
      { movieId: 2, title: 'City of Lost Children, The "Cité" (1995)', genres: ["Drama"] },
      { movieId: 3, title: "Untitled", genres: [] },
    ];
    const ratings: RawRating[] = [
      { userId: 1, movieId: 1, rating: 5, ts: 100 },
      { userId: 1, movieId: 2, rating: 4, ts: 100 },
      { userId: 2, movieId: 1, rating: 1, ts: 100 },
      { userId: 1, movieId: 3, rating: 3, ts: 101 },
      { userId: 2, movieId: 2, rating: 4.5, ts: 102 },
    ];
    const dir = await writeDataset(movies, ratings);
    const out = join(dir, "out");
    await engineerFeatures({ dataDir: dir, outDir: out, testFraction: 0.2 });
    const train = await readParquet(join(out, "trainingSamples.parquet"));
    const test = await readParquet(join(out, "testSamples.parquet"));
    expect(test.map((r) => [r.userId, r.movieId])).toEqual([[2, 2]]);
    const first = train.filter((r) => r.timestamp === 100);
    expect(first).toHaveLength(3);
    for (const r of first)
      expect([r.userRatingCount, r.movieRatingCount, r.userRatedMovie1]).toEqual([0, 0, 0]);
    const third = train.find((r) => r.movieId === 3);
    expect(third).toMatchObject({
      userRatingCount: 2,
      userRatedMovie1: 2,
      userRatedMovie2: 1,
      releaseYear: 0,
    });
    // genre tie (Animation, Comedy, Drama all once): name order
    expect(third).toMatchObject({
      userGenre1: "Animation",
      userGenre2: "Comedy",
      userGenre3: "Drama",
      userGenre4: "",
    });
    expect(test[0]).toMatchObject({
      movieRatingCount: 1,
      movieAvgRating: 4,
      userRatingCount: 1,
      userAvgRating: 1,
    });

    const online = await readParquet(join(out, "movieFeatures.parquet"));
    const m2 = online.find((m) => m.movieId === 2);
    expect(m2).toMatchObject({
      title: 'City of Lost Children, The "Cité" (1995)',
      genres: "Drama",
      releaseYear: 1995,
      ratingNumber: 2,
      averageRating: 4.25,
      imdbId: "0000002",
      tmdbId: "20",
      topRatings: "2:4.5:102,1:4.0:100",
    });
    const users = await readParquet(join(out, "userFeatures.parquet"));
    expect(users.find((u) => u.userId === 1)).toMatchObject({
      userRatingCount: 3,
      userRatedMovie1: 2,
      userRatedMovie2: 1,
      userRatedMovie3: 0,
      highestRating: 5,
      lowestRating: 3,
    });
  });
});
