import type { Redis } from "ioredis";
import {
  DEFAULT_PREFIX,
  decodeVector,
  type MovieField,
  type StoreKeys,
  storeKeys,
  type UserField,
  type VersionKeys,
} from "./keys.js";

/** Raw hash fields as stored (all strings); null when the id is unknown in the version. */
export type FieldMap = Record<string, string>;

export interface HistoryEntry {
  movieId: number;
  rating: number;
  timestamp: number;
}

export interface TopRating {
  userId: number;
  rating: number;
  timestamp: number;
}

/** A movie as the front end shows it (the reference's Movie JSON) plus its model features. */
export interface MovieDisplay {
  movieId: number;
  title: string;
  genres: string[];
  releaseYear: number | null;
  imdbId: string;
  tmdbId: string;
  ratingNumber: number;
  averageRating: number;
  /** The raw `mf:` hash, for model features. */
  fields: FieldMap;
}

export interface VersionInfo {
  version: string;
  committedAt: Date;
  current: boolean;
}

/**
 * Entry point of the online readers. Resolve the live version once per request with `snapshot()` and read
 * everything of that request from the snapshot: a load flipping the pointer meanwhile cannot mix versions.
 * The `get*` shortcuts on the store itself resolve the pointer on each call (one extra GET).
 */
export class FeatureStore {
  readonly keys: StoreKeys;

  constructor(
    readonly redis: Redis,
    prefix = DEFAULT_PREFIX,
  ) {
    this.keys = storeKeys(prefix);
  }

  /** The live version id, or null when nothing was ever loaded under this prefix. */
  async currentVersion(): Promise<string | null> {
    return this.redis.get(this.keys.current);
  }

  /** Committed versions kept for rollback, newest first. */
  async listVersions(): Promise<VersionInfo[]> {
    const [current, flat] = await Promise.all([
      this.currentVersion(),
      this.redis.zrevrange(this.keys.versions, 0, -1, "WITHSCORES"),
    ]);
    const out: VersionInfo[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      out.push({
        version: flat[i],
        committedAt: new Date(Number(flat[i + 1])),
        current: flat[i] === current,
      });
    }
    return out;
  }

  /** Reads pinned to one version (e.g. a version id taken from a previous response). */
  at(version: string): FeatureSnapshot {
    return new FeatureSnapshot(this.redis, this.keys.version(version));
  }

  /** Reads pinned to the live version; null when nothing is loaded. */
  async snapshot(): Promise<FeatureSnapshot | null> {
    const ver = await this.currentVersion();
    return ver === null ? null : this.at(ver);
  }

  private async pinned(version?: string): Promise<FeatureSnapshot> {
    if (version !== undefined) return this.at(version);
    const snap = await this.snapshot();
    if (!snap) throw new Error(`no feature version loaded under prefix "${this.keys.prefix}"`);
    return snap;
  }

  async getMovieFeatures(ids: readonly number[], fields?: readonly MovieField[], version?: string) {
    return (await this.pinned(version)).getMovieFeatures(ids, fields);
  }
  async getUserFeatures(ids: readonly number[], fields?: readonly UserField[], version?: string) {
    return (await this.pinned(version)).getUserFeatures(ids, fields);
  }
  async getUserHistory(userId: number, version?: string) {
    return (await this.pinned(version)).getUserHistory(userId);
  }
  async getMovies(version?: string) {
    return (await this.pinned(version)).getMovies();
  }
  async getEmbeddings(space: string, ids: readonly (number | string)[], version?: string) {
    return (await this.pinned(version)).getEmbeddings(space, ids);
  }
  async getAllEmbeddings(space: string, version?: string) {
    return (await this.pinned(version)).getAllEmbeddings(space);
  }
}

/** Every read of one version. Batch reads are one pipelined round trip. */
export class FeatureSnapshot {
  readonly version: string;

  constructor(
    readonly redis: Redis,
    readonly keys: VersionKeys,
  ) {
    this.version = keys.version;
  }

  /** Movie feature hashes in the order of `ids`; `fields` limits the fields read (HMGET). */
  getMovieFeatures(ids: readonly number[], fields?: readonly MovieField[]): Promise<(FieldMap | null)[]> {
    return this.readHashes(
      ids.map((id) => this.keys.movie(id)),
      fields,
    );
  }

  getUserFeatures(ids: readonly number[], fields?: readonly UserField[]): Promise<(FieldMap | null)[]> {
    return this.readHashes(
      ids.map((id) => this.keys.user(id)),
      fields,
    );
  }

  /** The user's ratings, newest first (ties by movie id); empty for an unknown user. */
  async getUserHistory(userId: number): Promise<HistoryEntry[]> {
    return parseHistory(await this.redis.hgetall(this.keys.history(userId)));
  }

  /** Histories of several users in one round trip. */
  async getUserHistories(userIds: readonly number[]): Promise<HistoryEntry[][]> {
    const pipe = this.redis.pipeline();
    for (const id of userIds) pipe.hgetall(this.keys.history(id));
    return (await execPipeline<FieldMap>(pipe)).map(parseHistory);
  }

  /** The movies' top ratings ("who likes it most"), best first. */
  async getTopRatings(movieIds: readonly number[]): Promise<TopRating[][]> {
    if (movieIds.length === 0) return [];
    const raw = await this.redis.mget(movieIds.map((id) => this.keys.topRatings(id)));
    return raw.map(parseTopRatings);
  }

  /** Every movie id, most rated first. */
  async getMovieIds(limit = -1): Promise<number[]> {
    const ids = await this.redis.zrevrange(this.keys.movies, 0, limit < 0 ? -1 : limit - 1);
    return ids.map(Number);
  }

  /** Display data of every movie of the version, most rated first. */
  async getMovies(): Promise<MovieDisplay[]> {
    const ids = await this.getMovieIds();
    const hashes = await this.getMovieFeatures(ids);
    const out: MovieDisplay[] = [];
    for (let i = 0; i < ids.length; i++) {
      const h = hashes[i];
      if (h) out.push(toMovieDisplay(ids[i], h));
    }
    return out;
  }

  /** Vectors in the order of `ids`; null where the space has no vector for the id. */
  async getEmbeddings(space: string, ids: readonly (number | string)[]): Promise<(Float32Array | null)[]> {
    if (ids.length === 0) return [];
    const raw = await this.redis.hmgetBuffer(this.keys.embeddings(space), ...ids.map(String));
    return raw.map((b) => (b ? decodeVector(b) : null));
  }

  /** Every vector of a space (e.g. to build a nearest-neighbour index at start-up). */
  async getAllEmbeddings(space: string): Promise<Map<string, Float32Array>> {
    const raw = await this.redis.hgetallBuffer(this.keys.embeddings(space));
    const out = new Map<string, Float32Array>();
    for (const [id, buf] of Object.entries(raw)) out.set(id, decodeVector(buf));
    return out;
  }

  /** The manifest summary of the version (row counts, time range, embedding spaces…). */
  async meta(): Promise<FieldMap | null> {
    const m = await this.redis.hgetall(this.keys.meta);
    return Object.keys(m).length === 0 ? null : m;
  }

  private async readHashes(keys: string[], fields?: readonly string[]): Promise<(FieldMap | null)[]> {
    if (keys.length === 0) return [];
    const pipe = this.redis.pipeline();
    if (fields && fields.length > 0) {
      for (const k of keys) pipe.hmget(k, ...fields);
      const rows = await execPipeline<(string | null)[]>(pipe);
      return rows.map((vals) => {
        if (vals.every((v) => v === null)) return null;
        const m: FieldMap = {};
        fields.forEach((f, i) => {
          const v = vals[i];
          if (v !== null) m[f] = v;
        });
        return m;
      });
    }
    for (const k of keys) pipe.hgetall(k);
    const rows = await execPipeline<FieldMap>(pipe);
    return rows.map((m) => (Object.keys(m).length === 0 ? null : m));
  }
}

export async function execPipeline<T>(pipe: ReturnType<Redis["pipeline"]>): Promise<T[]> {
  const res = (await pipe.exec()) ?? [];
  return res.map(([err, val]) => {
    if (err) throw err;
    return val as T;
  });
}

export function toMovieDisplay(movieId: number, h: FieldMap): MovieDisplay {
  const year = Number(h.releaseYear);
  return {
    movieId,
    title: h.title ?? "",
    genres: h.genres ? h.genres.split("|") : [],
    releaseYear: Number.isFinite(year) && year > 0 ? year : null,
    imdbId: h.imdbId ?? "",
    tmdbId: h.tmdbId ?? "",
    ratingNumber: Number(h.ratingNumber ?? 0),
    averageRating: Number(h.averageRating ?? 0),
    fields: h,
  };
}

export function parseHistory(h: FieldMap): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const [movieId, v] of Object.entries(h)) {
    const sep = v.indexOf(":");
    out.push({
      movieId: Number(movieId),
      rating: Number(v.slice(0, sep)),
      timestamp: Number(v.slice(sep + 1)),
    });
  }
  return out.sort((a, b) => b.timestamp - a.timestamp || b.movieId - a.movieId);
}

export function parseTopRatings(s: string | null): TopRating[] {
  if (!s) return [];
  return s.split(",").map((item) => {
    const [userId, rating, timestamp] = item.split(":");
    return { userId: Number(userId), rating: Number(rating), timestamp: Number(timestamp) };
  });
}
