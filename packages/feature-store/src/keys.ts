/**
 * The Redis key layout of the feature store, in one place (documented in docs/feature-store.md).
 *
 * Every loaded data set lives under its own version namespace `P:v:<ver>:…`; readers resolve the pointer
 * `P:features:current` once and then read only that namespace, so a load never shows them a mix.
 */

export const DEFAULT_PREFIX = "wren";

/** The 7 reference movie features (hash `mf:<movieId>`), as named in the sample columns. */
export const MOVIE_FEATURE_FIELDS = [
  "releaseYear",
  "movieGenre1",
  "movieGenre2",
  "movieGenre3",
  "movieRatingCount",
  "movieAvgRating",
  "movieRatingStddev",
] as const;

/** Display fields stored in the same `mf:<movieId>` hash (the reference's Movie JSON). */
export const MOVIE_DISPLAY_FIELDS = [
  "title",
  /** Pipe-separated, in source order: "Adventure|Animation"; empty when none. */
  "genres",
  "imdbId",
  "tmdbId",
  "ratingNumber",
  "averageRating",
] as const;

/** The 15 reference user features (hash `uf:<userId>`). */
export const USER_FEATURE_FIELDS = [
  "userRatedMovie1",
  "userRatedMovie2",
  "userRatedMovie3",
  "userRatedMovie4",
  "userRatedMovie5",
  "userRatingCount",
  "userAvgReleaseYear",
  "userReleaseYearStddev",
  "userAvgRating",
  "userRatingStddev",
  "userGenre1",
  "userGenre2",
  "userGenre3",
  "userGenre4",
  "userGenre5",
] as const;

/** Extra display fields in `uf:<userId>` (the reference's User JSON). */
export const USER_DISPLAY_FIELDS = ["highestRating", "lowestRating"] as const;

/** Embedding spaces the pipeline writes: item2vec items and users, two-tower items and users. */
export const EMBEDDING_SPACES = ["i2v", "i2v-user", "tt-item", "tt-user"] as const;

export type MovieField = (typeof MOVIE_FEATURE_FIELDS)[number] | (typeof MOVIE_DISPLAY_FIELDS)[number];
export type UserField = (typeof USER_FEATURE_FIELDS)[number] | (typeof USER_DISPLAY_FIELDS)[number];

/** Global keys of one prefix (not versioned). */
export interface StoreKeys {
  prefix: string;
  /** STRING: the live version id. */
  current: string;
  /** ZSET: committed versions kept for rollback, score = commit time in ms. */
  versions: string;
  /** ZSET: versions being loaded (or left half-way by a failed load), score = start time in ms. */
  loading: string;
  /** STRING with TTL: the load lock, value = the loader's random token. */
  lock: string;
  /** Keys of one version. */
  version(ver: string): VersionKeys;
}

/** Keys of one version namespace `P:v:<ver>:`. */
export interface VersionKeys {
  version: string;
  /** HASH: movie features + display fields. */
  movie(movieId: number | string): string;
  /** HASH: user features + display fields. */
  user(userId: number | string): string;
  /** HASH: movieId → "rating:timestamp"; a real-time worker may HSET new ratings into it. */
  history(userId: number | string): string;
  /** STRING: the movie's top 10 ratings, "userId:rating:timestamp" joined by ",", best first. */
  topRatings(movieId: number | string): string;
  /** ZSET: every movie id, score = rating count (so ZREVRANGE gives the most popular first). */
  movies: string;
  /** HASH: manifest summary; written last, so a version with meta is complete. */
  meta: string;
  /** HASH per embedding space: id → Float32 little-endian bytes (dim × 4 bytes). */
  embeddings(space: string): string;
  /** SCAN MATCH pattern covering every key of the version. */
  pattern: string;
}

/** A version id: sortable UTC time plus a random suffix, e.g. "20261129T013500123Z-3fa2". */
export function newVersionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${Math.random().toString(16).slice(2, 6).padEnd(4, "0")}`;
}

const VERSION_RE = /^[0-9A-Za-z_-]{1,64}$/;

export function storeKeys(prefix = DEFAULT_PREFIX): StoreKeys {
  if (!/^[^\s*?[\]]+$/.test(prefix)) {
    throw new Error(`invalid key prefix ${JSON.stringify(prefix)}: no spaces or glob characters (* ? [ ])`);
  }
  return {
    prefix,
    current: `${prefix}:features:current`,
    versions: `${prefix}:features:versions`,
    loading: `${prefix}:features:loading`,
    lock: `${prefix}:features:lock`,
    version(ver) {
      if (!VERSION_RE.test(ver)) throw new Error(`invalid feature version id ${JSON.stringify(ver)}`);
      const p = `${prefix}:v:${ver}:`;
      return {
        version: ver,
        movie: (id) => `${p}mf:${id}`,
        user: (id) => `${p}uf:${id}`,
        history: (id) => `${p}uh:${id}`,
        topRatings: (id) => `${p}mtop:${id}`,
        movies: `${p}movies`,
        meta: `${p}meta`,
        embeddings: (space) => `${p}emb:${space}`,
        pattern: `${p}*`,
      };
    },
  };
}

/** Float32 vectors are stored as raw little-endian bytes: compact (4 bytes a value) and exact. */
export function encodeVector(v: Float32Array | readonly number[]): Buffer {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  const buf = Buffer.allocUnsafe(f.length * 4);
  for (let i = 0; i < f.length; i++) buf.writeFloatLE(f[i], i * 4);
  return buf;
}

export function decodeVector(buf: Buffer): Float32Array {
  if (buf.length % 4 !== 0) throw new Error(`embedding of ${buf.length} bytes is not a Float32 vector`);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
