import { randomBytes } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import { DEFAULT_PREFIX, encodeVector, newVersionId, type StoreKeys, storeKeys } from "./keys.js";

/** One movie: its `mf:` hash fields, its top ratings string (see keys.ts) and popularity. */
export interface MovieRecord {
  movieId: number;
  fields: Record<string, string | number>;
  topRatings: string;
}

export interface UserRecord {
  userId: number;
  fields: Record<string, string | number>;
}

/** One user's history: [movieId, "rating:timestamp", movieId, "rating:timestamp", …]. */
export interface HistoryRecord {
  userId: number;
  entries: (string | number)[];
}

export interface EmbeddingInput {
  /** e.g. "i2v", "i2v-user", "tt-item", "tt-user". */
  space: string;
  dim: number;
  vectors: Iterable<{ id: number | string; vector: Float32Array | readonly number[] }>;
}

export interface LoadInput {
  movies: AsyncIterable<MovieRecord> | Iterable<MovieRecord>;
  users: AsyncIterable<UserRecord> | Iterable<UserRecord>;
  histories: AsyncIterable<HistoryRecord> | Iterable<HistoryRecord>;
  embeddings?: EmbeddingInput[];
  /** Manifest summary stored in the version's meta hash. */
  meta?: Record<string, string | number>;
}

export interface LoadProgress {
  phase: "cleanup" | "movies" | "users" | "histories" | "embeddings" | "flip" | "prune";
  keys: number;
  fields: number;
}

export interface LoadOptions {
  prefix?: string;
  /** Flush a pipeline after this many hash fields (values) are queued. */
  batchFields?: number;
  /** Pipelines in flight at once. */
  inFlight?: number;
  /** Committed versions kept (live one included); older ones are deleted after the flip. Default 2. */
  keep?: number;
  /** TTL of the load lock, refreshed while the load runs; a killed loader frees it after this long. */
  lockTtlMs?: number;
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadResult {
  version: string;
  previous: string | null;
  keys: number;
  fields: number;
  durationMs: number;
  /** Versions deleted: stale half-loaded ones before the load, and old committed ones after it. */
  deleted: string[];
}

export class FeatureLoadError extends Error {
  override name = "FeatureLoadError";
}

const FLIP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('ERR load lock lost: another loader took over') end
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('ERR version has no meta: incomplete') end
local prev = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
return prev`;

const SWITCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('ERR load lock lost') end
if redis.call('ZSCORE', KEYS[3], ARGV[2]) == false then return redis.error_reply('ERR unknown version') end
if redis.call('EXISTS', KEYS[4]) == 0 then return redis.error_reply('ERR version has no meta: incomplete') end
local prev = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[2])
return prev`;

const REFRESH = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Holds the prefix's load lock while `fn` runs; refreshes it so only a dead holder loses it. */
async function withLock<T>(redis: Redis, keys: StoreKeys, ttlMs: number, fn: (token: string) => Promise<T>) {
  const token = randomBytes(12).toString("hex");
  if ((await redis.set(keys.lock, token, "PX", ttlMs, "NX")) !== "OK") {
    const left = await redis.pttl(keys.lock);
    throw new FeatureLoadError(
      `another load or rollback holds ${keys.lock} (expires in ${Math.max(0, left)} ms); try again later`,
    );
  }
  const timer = setInterval(
    () => {
      redis.eval(REFRESH, 1, keys.lock, token, ttlMs).catch(() => {});
    },
    Math.max(50, ttlMs / 3),
  );
  try {
    return await fn(token);
  } finally {
    clearInterval(timer);
    await redis.eval(RELEASE, 1, keys.lock, token).catch(() => {});
  }
}

/**
 * Loads a full data set as a new version, then makes it live with one atomic pointer flip.
 * Readers keep seeing the old version until the flip. A load that fails or is killed leaves the live
 * version untouched; its partial keys stay registered in `loading` and are deleted by the next load.
 */
export async function loadFeatures(
  redis: Redis,
  input: LoadInput,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const started = Date.now();
  const keys = storeKeys(opts.prefix ?? DEFAULT_PREFIX);
  const keep = Math.max(1, opts.keep ?? 2);
  return withLock(redis, keys, opts.lockTtlMs ?? 30_000, async (token) => {
    const deleted = await deleteStaleLoads(redis, keys);
    const version = newVersionId();
    await redis.zadd(keys.loading, Date.now(), version);
    const vk = keys.version(version);
    const w = new PipelinedWriter(redis, opts.batchFields ?? 20_000, opts.inFlight ?? 2);
    const report = (phase: LoadProgress["phase"]) =>
      opts.onProgress?.({ phase, keys: w.keys, fields: w.fields });
    try {
      report("movies");
      let firstMovie = true;
      for await (const m of input.movies) {
        const score = Number(m.fields.ratingNumber ?? 0);
        w.add((p) => p.hset(vk.movie(m.movieId), m.fields), Object.keys(m.fields).length);
        w.add((p) => p.zadd(vk.movies, score, m.movieId), 1, firstMovie ? 1 : 0);
        firstMovie = false;
        if (m.topRatings) w.add((p) => p.set(vk.topRatings(m.movieId), m.topRatings), 1);
        if (await w.maybeFlush()) report("movies");
      }
      report("users");
      for await (const u of input.users) {
        w.add((p) => p.hset(vk.user(u.userId), u.fields), Object.keys(u.fields).length);
        if (await w.maybeFlush()) report("users");
      }
      report("histories");
      for await (const h of input.histories) {
        // Very long histories go in several HSETs so no single command blocks Redis for long.
        for (let i = 0; i < h.entries.length; i += 2000) {
          const part = h.entries.slice(i, i + 2000);
          w.add((p) => p.hset(vk.history(h.userId), ...part), part.length / 2, i === 0 ? 1 : 0);
        }
        if (await w.maybeFlush()) report("histories");
      }
      const meta: Record<string, string | number> = {
        ...input.meta,
        version,
        loadedAt: new Date().toISOString(),
      };
      for (const emb of input.embeddings ?? []) {
        report("embeddings");
        let count = 0;
        let batch: (string | Buffer)[] = [];
        const key = vk.embeddings(emb.space);
        for (const { id, vector } of emb.vectors) {
          if (vector.length !== emb.dim) {
            throw new FeatureLoadError(
              `embedding ${emb.space}/${id} has ${vector.length} values, expected ${emb.dim}`,
            );
          }
          batch.push(String(id), encodeVector(vector));
          count++;
          if (batch.length >= 2000) {
            const args = batch;
            w.add((p) => p.hset(key, ...args), args.length / 2, count === args.length / 2 ? 1 : 0);
            batch = [];
            await w.maybeFlush();
          }
        }
        if (batch.length > 0) {
          const args = batch;
          w.add((p) => p.hset(key, ...args), args.length / 2, count === args.length / 2 ? 1 : 0);
        }
        meta[`embedding:${emb.space}:dim`] = emb.dim;
        meta[`embedding:${emb.space}:count`] = count;
      }
      await w.flush();
      // meta last: a version with meta is complete (the flip script checks it).
      await redis.hset(vk.meta, meta);
      report("flip");
      const previous = (await redis.eval(
        FLIP,
        5,
        keys.lock,
        keys.current,
        keys.versions,
        keys.loading,
        vk.meta,
        token,
        version,
        Date.now(),
      )) as string | null;
      report("prune");
      deleted.push(...(await pruneVersions(redis, keys, keep)));
      return {
        version,
        previous,
        keys: w.keys + 1,
        fields: w.fields,
        durationMs: Date.now() - started,
        deleted,
      };
    } catch (err) {
      await w.settle();
      // Best effort now; if this fails too (Redis gone), the next load deletes the partial version.
      await deleteVersion(redis, keys, version)
        .then(() => redis.zrem(keys.loading, version))
        .catch(() => {});
      throw err;
    }
  });
}

/** Queues commands into pipelines of about `batchFields` values, with a few pipelines in flight. */
class PipelinedWriter {
  keys = 0;
  fields = 0;
  private pipe: ChainableCommander;
  private queued = 0;
  private pending: Promise<unknown>[] = [];
  private failure: unknown = null;

  constructor(
    private readonly redis: Redis,
    private readonly batchFields: number,
    private readonly inFlight: number,
  ) {
    this.pipe = redis.pipeline();
  }

  add(cmd: (p: ChainableCommander) => unknown, fields: number, newKeys = 1): void {
    cmd(this.pipe);
    this.queued += fields;
    this.fields += fields;
    this.keys += newKeys;
  }

  /** Sends the pipeline when full; resolves true when it did (after in-flight pipelines drain enough). */
  async maybeFlush(): Promise<boolean> {
    if (this.queued < this.batchFields) return false;
    await this.send();
    return true;
  }

  async flush(): Promise<void> {
    if (this.queued > 0) await this.send();
    await this.settle();
    if (this.failure) throw this.failure;
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  private async send(): Promise<void> {
    if (this.failure) throw this.failure;
    const p = this.pipe
      .exec()
      .then((res) => {
        const bad = res?.find(([e]) => e);
        if (bad) throw bad[0];
      })
      .catch((err) => {
        this.failure ??= err;
      });
    this.pending.push(p);
    this.pipe = this.redis.pipeline();
    this.queued = 0;
    if (this.pending.length >= this.inFlight) await this.pending.shift();
    if (this.failure) throw this.failure;
  }
}

/** Deletes every key of a version: SCAN MATCH + UNLINK in batches (never KEYS). */
export async function deleteVersion(redis: Redis, keys: StoreKeys, version: string): Promise<number> {
  const pattern = keys.version(version).pattern;
  let cursor = "0";
  let n = 0;
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 2000);
    cursor = next;
    if (found.length > 0) n += await redis.unlink(...found);
  } while (cursor !== "0");
  return n;
}

/** Versions registered as loading while we hold the lock were left by a failed or killed load. */
async function deleteStaleLoads(redis: Redis, keys: StoreKeys): Promise<string[]> {
  const stale = await redis.zrange(keys.loading, 0, -1);
  const current = await redis.get(keys.current);
  const out: string[] = [];
  for (const ver of stale) {
    if (ver === current) continue;
    await deleteVersion(redis, keys, ver);
    await redis.zrem(keys.loading, ver);
    out.push(ver);
  }
  return out;
}

/** Keeps the live version and the newest `keep - 1` others; unregisters the rest first, then deletes them. */
async function pruneVersions(redis: Redis, keys: StoreKeys, keep: number): Promise<string[]> {
  const current = await redis.get(keys.current);
  const others = (await redis.zrevrange(keys.versions, 0, -1)).filter((v) => v !== current);
  const drop = others.slice(keep - 1);
  for (const ver of drop) {
    await redis.zrem(keys.versions, ver);
    await deleteVersion(redis, keys, ver);
  }
  return drop;
}

/**
 * Makes another kept version live (default: the newest kept version that is not live), atomically.
 * Returns the version switched from and to. The version switched from stays kept, so a second rollback
 * switches back.
 */
export async function rollbackFeatures(
  redis: Redis,
  opts: { prefix?: string; to?: string; lockTtlMs?: number } = {},
): Promise<{ from: string | null; to: string }> {
  const keys = storeKeys(opts.prefix ?? DEFAULT_PREFIX);
  return withLock(redis, keys, opts.lockTtlMs ?? 30_000, async (token) => {
    const current = await redis.get(keys.current);
    const target = opts.to ?? (await redis.zrevrange(keys.versions, 0, -1)).find((v) => v !== current);
    if (!target)
      throw new FeatureLoadError(`no other kept version to roll back to under prefix "${keys.prefix}"`);
    if (target === current) throw new FeatureLoadError(`version ${target} is already live`);
    try {
      const from = (await redis.eval(
        SWITCH,
        4,
        keys.lock,
        keys.current,
        keys.versions,
        keys.version(target).meta,
        token,
        target,
      )) as string | null;
      return { from, to: target };
    } catch (err) {
      throw new FeatureLoadError(`cannot roll back to ${target}: ${(err as Error).message}`);
    }
  });
}
