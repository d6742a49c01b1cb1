import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BufferedFileWriter } from "./buffered-writer.js";
import { csvField } from "./csv-field.js";
import { Fenwick } from "./fenwick.js";
import { movieTitle } from "./generate-titles.js";
import { GENRES, NO_GENRES } from "./genres.js";
import { Rng, sampleCdf } from "./rng.js";
import type { ProgressFn } from "./types.js";

/*
 * The generative model (what a recommender can learn from generated data, and what it cannot):
 *
 * - Movies: 1–3 genres drawn with MovieLens-like frequencies (Drama and Comedy common, Film-Noir rare; ~1%
 *   "(no genres listed)"), a release year skewed to recent years, a latent quality q ~ N(0, 0.45), and a
 *   popularity weight from a Zipf law over a popularity rank that correlates mildly with quality.
 * - Taste clusters: each cluster loves 2–3 genres (preference +1) and dislikes 2 (−0.7); every user
 *   belongs to one cluster. A user's affinity to a movie is the mean of its cluster's preferences over the
 *   movie's genres.
 * - Which movies a user rates: with probability 0.85 a draw ∝ popularity · exp(β · affinity), else a draw
 *   ∝ popularity alone (taste noise). β is `tasteStrength` (default 5); β = 0 removes the clusters,
 *   leaving popularity (and release dates) as the only signal — a control where taste cannot be learned.
 * - How many: 5 + a log-normal share of the rest, so activity has a long tail and every user has ≥ 5.
 * - When: each user is active in one window (a single session for a third of users, weeks to years for the
 *   rest) between 1997 and 2023, and never rates a movie before its release year; ratings are written in
 *   time order per user.
 * - The rating: 3.2 + user bias N(0, 0.35) + quality + min(1, β/3) · affinity + noise N(0, 0.65),
 *   rounded to 0.5 steps in 0.5–5 (a quarter of users only give whole stars).
 *
 * Measured at the default sizes (1,000 users, 1,500 movies, 100k ratings), leave-one-out HR@10 among 99
 * random negatives: popularity ≈ 0.5, item-kNN ≈ 0.68, random ≈ 0.1; with β = 0 popularity ≈ 0.55 and
 * item-kNN ≈ 0.59 (what is left to learn there is only who was active when).
 */

export interface GenerateOptions {
  /** Output directory; created if missing. */
  out: string;
  users?: number;
  movies?: number;
  ratings?: number;
  seed?: number;
  /** Number of taste clusters. */
  clusters?: number;
  /** β above: how strongly taste clusters steer what users rate; 0 disables them. */
  tasteStrength?: number;
  /** Write truth.json (user → cluster, cluster → genres). Default true. */
  truth?: boolean;
  /** Called with (users done, users total). */
  onProgress?: ProgressFn;
}

export const GENERATE_DEFAULTS = {
  users: 1000,
  movies: 1500,
  ratings: 100_000,
  seed: 42,
  clusters: 8,
  tasteStrength: 5,
} as const;

export interface TasteCluster {
  id: number;
  /** Genres the cluster's users seek out and rate highly. */
  likes: string[];
  /** Genres they avoid and rate low. */
  dislikes: string[];
  users: number;
}

/** Contents of truth.json: the planted structure, for tests and for checking what a model learned. */
export interface GroundTruth {
  seed: number;
  tasteStrength: number;
  clusters: TasteCluster[];
  /** userId (as a string key) → cluster id. */
  userCluster: Record<string, number>;
}

export interface GenerateSummary {
  dir: string;
  users: number;
  movies: number;
  ratings: number;
  seed: number;
  clusters: TasteCluster[];
  /** Earliest and latest rating timestamp (seconds). */
  timeRange: { min: number; max: number };
  files: string[];
}

/** Relative frequency of each genre among movies, roughly as in ml-latest. */
const GENRE_FREQUENCY: Record<string, number> = {
  Drama: 0.45,
  Comedy: 0.33,
  Thriller: 0.16,
  Romance: 0.14,
  Action: 0.13,
  Crime: 0.1,
  Horror: 0.1,
  Documentary: 0.07,
  Adventure: 0.08,
  "Sci-Fi": 0.07,
  Mystery: 0.05,
  Fantasy: 0.05,
  Children: 0.05,
  Animation: 0.05,
  War: 0.03,
  Musical: 0.02,
  Western: 0.02,
  "Film-Noir": 0.01,
  IMAX: 0.01,
};
/** Genres too rare to define a taste cluster. */
const NICHE_GENRES = new Set(["IMAX", "Film-Noir"]);
const EXPLORE = 0.15;
const FIRST_RATING = Date.UTC(1997, 0, 1) / 1000;
const LAST_RATING = Date.UTC(2023, 9, 1) / 1000;
const DAY = 86_400;
/** Room for 2^21 ratings per user beside a timestamp in one exactly represented double. */
const PACK = 2 ** 21;
const RATING_TEXT = Array.from({ length: 11 }, (_, half) => (half / 2).toFixed(1));

interface MovieTable {
  ids: Int32Array;
  genres: number[][];
  releaseYear: Array<number | null>;
  /** Earliest second a movie may be rated (1 January of its release year). */
  releasedAt: Float64Array;
  quality: Float64Array;
  popularity: Float64Array;
}

export async function generateDataset(opts: GenerateOptions): Promise<GenerateSummary> {
  const users = opts.users ?? GENERATE_DEFAULTS.users;
  const movieCount = opts.movies ?? GENERATE_DEFAULTS.movies;
  const ratingCount = opts.ratings ?? GENERATE_DEFAULTS.ratings;
  const seed = opts.seed ?? GENERATE_DEFAULTS.seed;
  const clusterCount = opts.clusters ?? GENERATE_DEFAULTS.clusters;
  const beta = opts.tasteStrength ?? GENERATE_DEFAULTS.tasteStrength;
  checkSizes(users, movieCount, ratingCount, clusterCount, beta);

  const root = new Rng(seed);
  const movies = makeMovies(root.fork(1), movieCount);
  const { clusters, preference } = makeClusters(root.fork(2), clusterCount);
  const counts = activityCounts(root.fork(3), users, ratingCount, maxPerUser(movieCount));
  const userRng = root.fork(4);

  const affinity = clusters.map((_, c) => movies.genres.map((gs) => meanPreference(preference[c], gs)));
  const popularityTotal = sum(movies.popularity);
  const drawWeights = affinity.map((aff) => {
    const taste = Array.from(movies.popularity, (p, m) => p * Math.exp(beta * aff[m]));
    const tasteTotal = sum(taste);
    return taste.map(
      (t, m) => ((1 - EXPLORE) * t) / tasteTotal + (EXPLORE * movies.popularity[m]) / popularityTotal,
    );
  });
  const trees = drawWeights.map((w) => new Fenwick(w));

  await mkdir(opts.out, { recursive: true });
  await writeMovies(root.fork(5), opts.out, movies);
  const userCluster: Record<string, number> = {};
  const ratingsOut = new BufferedFileWriter(join(opts.out, "ratings.csv"));
  ratingsOut.write("userId,movieId,rating,timestamp\n");
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  const progressEvery = Math.max(1, Math.floor(users / 200));

  for (let u = 0; u < users; u++) {
    const userId = u + 1;
    const c = userRng.int(clusterCount);
    clusters[c].users++;
    userCluster[userId] = c;
    const n = counts[u];
    const [start, end] = activeWindow(userRng, n, movies.releasedAt);
    const picked = pickMovies(userRng, n, releasedBy(movies.releasedAt, end), trees[c], drawWeights[c]);
    const bias = 0.35 * userRng.normal();
    const wholeStars = userRng.next() < 0.25;
    // Sort by time through one native numeric sort: timestamp (< 2^31) and pick index packed in one double.
    const order = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const from = Math.max(start, movies.releasedAt[picked[k]]);
      order[k] = Math.floor(from + userRng.next() * (end - from)) * PACK + k;
    }
    order.sort();
    let lines = "";
    for (let i = 0; i < n; i++) {
      const k = order[i] % PACK;
      const m = picked[k];
      const raw =
        3.2 + bias + movies.quality[m] + Math.min(1, beta / 3) * affinity[c][m] + 0.65 * userRng.normal();
      const halfStars = wholeStars ? 2 * clamp(Math.round(raw), 1, 5) : clamp(Math.round(raw * 2), 1, 10);
      lines += `${userId},${movies.ids[m]},${RATING_TEXT[halfStars]},${(order[i] - k) / PACK}\n`;
    }
    ratingsOut.write(lines);
    minTs = Math.min(minTs, Math.floor(order[0] / PACK));
    maxTs = Math.max(maxTs, Math.floor(order[n - 1] / PACK));
    await ratingsOut.drain();
    if ((u + 1) % progressEvery === 0 || u + 1 === users) opts.onProgress?.(u + 1, users);
  }
  await ratingsOut.close();

  const files = ["movies.csv", "ratings.csv", "links.csv"];
  if (opts.truth ?? true) {
    const truth: GroundTruth = { seed, tasteStrength: beta, clusters, userCluster };
    await writeFile(join(opts.out, "truth.json"), `${JSON.stringify(truth)}\n`);
    files.push("truth.json");
  } else {
    await rm(join(opts.out, "truth.json"), { force: true }); // never leave the truth of an earlier run
  }
  return {
    dir: opts.out,
    users,
    movies: movieCount,
    ratings: ratingCount,
    seed,
    clusters,
    timeRange: { min: minTs, max: maxTs },
    files,
  };
}

function checkSizes(users: number, movies: number, ratings: number, clusters: number, beta: number): void {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt("users", users);
  positiveInt("movies", movies);
  positiveInt("ratings", ratings);
  positiveInt("clusters", clusters);
  if (!(beta >= 0 && beta <= 10)) throw new RangeError(`tasteStrength must be between 0 and 10, got ${beta}`);
  if (movies < 20 || movies > 3_000_000) {
    throw new RangeError(`movies must be between 20 and 3,000,000, got ${movies}`); // see PACK
  }
  if (ratings < 5 * users) {
    throw new RangeError(
      `ratings (${ratings}) must be at least 5 per user (${5 * users} for ${users} users)`,
    );
  }
  const cap = maxPerUser(movies) * users;
  if (ratings > cap) {
    throw new RangeError(
      `ratings (${ratings}) exceed what ${users} users can give ${movies} movies (at most ${cap}); add users or movies`,
    );
  }
}

/** A user rates at most 60% of the catalogue, so sampling without replacement stays cheap. */
function maxPerUser(movies: number): number {
  return Math.floor(movies * 0.6);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

/** How many movies (indexed by release date) came out by `time`. */
function releasedBy(releasedAt: Float64Array, time: number): number {
  let lo = 0;
  let hi = releasedAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (releasedAt[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function meanPreference(pref: Float64Array, genres: number[]): number {
  if (genres.length === 0) return 0;
  let s = 0;
  for (const g of genres) s += pref[g];
  return s / genres.length;
}

/** Movies indexed in release order, so "released by t" is always a prefix of the index range. */
function makeMovies(rng: Rng, count: number): MovieTable {
  const releaseYear = Array.from({ length: count }, () =>
    rng.next() < 0.004 ? null : Math.max(1915, 2023 - Math.floor(-18 * Math.log(1 - rng.next()))),
  ).sort((a, b) => (a ?? 0) - (b ?? 0));
  const releasedAt = Float64Array.from(releaseYear, (year) =>
    year === null ? FIRST_RATING : Math.max(FIRST_RATING, Date.UTC(year, 0, 1) / 1000),
  );
  // Increasing ids with gaps, as in ml-latest, handed out in random order.
  const idList: number[] = [];
  for (let m = 0, id = 0; m < count; m++) {
    id += rng.next() < 0.1 ? 2 + rng.int(5) : 1;
    idList.push(id);
  }
  const ids = Int32Array.from(rng.shuffle(idList));
  const genreWeights = GENRES.map((g) => GENRE_FREQUENCY[g]);
  const genres = Array.from({ length: count }, () =>
    rng.next() < 0.01 ? [] : drawGenres(rng, genreWeights),
  );
  const quality = Float64Array.from({ length: count }, () => 0.45 * rng.normal());
  // Zipf popularity over a rank that better movies tend to top.
  const key = Array.from(quality, (q) => q / 0.45 + 1.5 * rng.normal());
  const rank = Array.from({ length: count }, (_, m) => m).sort((a, b) => key[b] - key[a] || a - b);
  const popularity = new Float64Array(count);
  rank.forEach((m, r) => {
    popularity[m] = 1 / (r + 5) ** 1.05;
  });
  return { ids, genres, releaseYear, releasedAt, quality, popularity };
}

function drawGenres(rng: Rng, weights: number[]): number[] {
  const n = 1 + (rng.next() < 0.55 ? 0 : rng.next() < 0.65 ? 1 : 2);
  const chosen: number[] = [];
  const w = weights.slice();
  const cdf = new Float64Array(w.length);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let g = 0; g < w.length; g++) cdf[g] = sum += w[g];
    const g = sampleCdf(cdf, rng.next());
    chosen.push(g);
    w[g] = 0;
  }
  return chosen.sort((a, b) => a - b);
}

function makeClusters(rng: Rng, count: number): { clusters: TasteCluster[]; preference: Float64Array[] } {
  const candidates = rng.shuffle(GENRES.map((_, g) => g).filter((g) => !NICHE_GENRES.has(GENRES[g])));
  const clusters: TasteCluster[] = [];
  const preference: Float64Array[] = [];
  for (let c = 0; c < count; c++) {
    // Consecutive pairs of one shuffled list, so clusters differ from each other as much as possible.
    const likes = new Set([
      candidates[(2 * c) % candidates.length],
      candidates[(2 * c + 1) % candidates.length],
    ]);
    if (rng.next() < 0.5) likes.add(rng.pick(candidates));
    const others = rng.shuffle(candidates.filter((g) => !likes.has(g)));
    const dislikes = others.slice(0, 2);
    const pref = new Float64Array(GENRES.length);
    for (let g = 0; g < GENRES.length; g++) pref[g] = 0.15 * rng.normal();
    for (const g of likes) pref[g] += 1;
    for (const g of dislikes) pref[g] -= 0.7;
    preference.push(pref);
    clusters.push({
      id: c,
      likes: [...likes].sort((a, b) => a - b).map((g) => GENRES[g]),
      dislikes: dislikes.sort((a, b) => a - b).map((g) => GENRES[g]),
      users: 0,
    });
  }
  return { clusters, preference };
}

/** Ratings per user: 5 each, the rest shared log-normally (long tail), capped, summing exactly to `total`. */
function activityCounts(rng: Rng, users: number, total: number, cap: number): Int32Array {
  const weights = Array.from({ length: users }, () => Math.exp(1.3 * rng.normal()));
  const counts = new Int32Array(users).fill(5);
  const heaviestFirst = Array.from({ length: users }, (_, u) => u).sort(
    (a, b) => weights[b] - weights[a] || a - b,
  );
  let left = total - 5 * users;
  // Proportional rounds: users who hit the cap hand their share back to the others; the last few ratings,
  // less than one share each, go one at a time to the heaviest users.
  while (left > 0) {
    let weightSum = 0;
    for (let u = 0; u < users; u++) if (counts[u] < cap) weightSum += weights[u];
    const round = left;
    for (let u = 0; u < users; u++) {
      if (counts[u] >= cap) continue;
      const share = Math.min(cap - counts[u], Math.floor((round * weights[u]) / weightSum));
      counts[u] += share;
      left -= share;
    }
    if (left === round) {
      for (const u of heaviestFirst) {
        if (left === 0) break;
        if (counts[u] < cap) {
          counts[u]++;
          left--;
        }
      }
    }
  }
  return counts;
}

/** Start and end (seconds) of a user's activity, late enough that enough movies were released by its end. */
function activeWindow(rng: Rng, n: number, releasedAt: Float64Array): [number, number] {
  const start = FIRST_RATING + rng.next() * (LAST_RATING - 30 * DAY - FIRST_RATING);
  const duration = rng.next() < 0.33 ? 3600 * (1 + 5 * rng.next()) : DAY * Math.exp(5 + 1.2 * rng.normal());
  let end = Math.min(LAST_RATING, start + duration);
  // A user never rates more than a quarter of what was out by then, so taste still decides what they pick.
  const needReleased = Math.min(releasedAt.length, Math.ceil(n / 0.25));
  end = Math.max(end, releasedAt[needReleased - 1] + DAY * (1 + 60 * rng.next()));
  return [Math.floor(start), Math.floor(Math.min(end, LAST_RATING))];
}

/**
 * n distinct movies among the first `released` (by release date), drawn one by one ∝ weight without
 * replacement; the drawn weights are put back afterwards for the next user of the cluster.
 */
function pickMovies(rng: Rng, n: number, released: number, tree: Fenwick, weights: number[]): Int32Array {
  const picked = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let m = tree.find(rng.next() * tree.prefix(released));
    // Rounding can land just past the range or on a removed (≈ 0) weight: take the next one still there.
    while (m >= released || weights[m] < 0) m = m >= released - 1 ? 0 : m + 1;
    picked[k] = m;
    tree.add(m, -weights[m]);
    weights[m] = -weights[m];
  }
  for (const m of picked) {
    weights[m] = -weights[m];
    tree.add(m, weights[m]);
  }
  return picked;
}

async function writeMovies(rng: Rng, dir: string, movies: MovieTable): Promise<void> {
  const moviesOut = new BufferedFileWriter(join(dir, "movies.csv"));
  const linksOut = new BufferedFileWriter(join(dir, "links.csv"));
  moviesOut.write("movieId,title,genres\n");
  linksOut.write("movieId,imdbId,tmdbId\n");
  const titles = new Set<string>();
  let imdb = 100_000 + rng.int(50_000);
  let tmdb = 1 + rng.int(1000);
  const byId = Array.from(movies.ids.keys()).sort((a, b) => movies.ids[a] - movies.ids[b]);
  for (const m of byId) {
    let base = movieTitle(rng);
    for (let sequel = 2; titles.has(base); sequel++) base = `${base.replace(/ \d+$/, "")} ${sequel}`;
    titles.add(base);
    const year = movies.releaseYear[m];
    const title = year === null ? base : `${base} (${year})`;
    const genres =
      movies.genres[m].length === 0 ? NO_GENRES : movies.genres[m].map((g) => GENRES[g]).join("|");
    moviesOut.write(`${movies.ids[m]},${csvField(title)},${genres}\n`);
    imdb += 1 + rng.int(3000);
    tmdb += 1 + rng.int(400);
    const tmdbId = rng.next() < 0.01 ? "" : String(tmdb);
    linksOut.write(`${movies.ids[m]},${String(imdb).padStart(7, "0")},${tmdbId}\n`);
    await moviesOut.drain();
    await linksOut.drain();
  }
  await moviesOut.close();
  await linksOut.close();
}

/** The planted structure of a generated data set (truth.json), or null when the directory has none. */
export async function readGroundTruth(dir: string): Promise<GroundTruth | null> {
  try {
    return JSON.parse(await readFile(join(dir, "truth.json"), "utf8")) as GroundTruth;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
