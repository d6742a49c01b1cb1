/**
 * Real-time updates of the live version: one new rating → the user's history, the 15 user features (the
 * same definitions as the offline SQL in @wren/features, "over all ratings") and the `i2v-user` vector,
 * written atomically by one Lua script.
 *
 * Idempotent and order-insensitive by construction: the features are a pure function of the history, and
 * the history entry of (user, movie) is last-writer-wins by JetStream stream sequence (`m:<movieId>` in the
 * user's `rt:` hash). Re-applying an event, or applying an older one after a newer one, changes nothing.
 * Concurrent writers of one user (two worker replicas) are serialised by a compare-and-set on the user's
 * revision (`rev`): the loser re-reads and recomputes.
 */
import type { Redis } from "ioredis";
import {
  decodeVector,
  encodeVector,
  type StoreKeys,
  storeKeys,
  USER_DISPLAY_FIELDS,
  USER_FEATURE_FIELDS,
  type UserField,
  type VersionKeys,
} from "./keys.js";
import { execPipeline, type FieldMap, type HistoryEntry, parseHistory } from "./reader.js";

/** A positive rating, as @wren/features' POSITIVE_RATING (which depends on this package, not the reverse). */
const POSITIVE_RATING = 3.5;
/** The user vector is the mean of the positives' vectors in ITEM_SPACE, written to USER_SPACE. */
const ITEM_SPACE = "i2v";
const USER_SPACE = "i2v-user";

/** What the user features need of a movie: its release year (0 = none) and every genre. */
export interface MovieFacts {
  releaseYear: number;
  genres: string[];
}

export type UserFeatureValues = Record<UserField, string>;

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function meanAndSampleStddev(xs: readonly number[]): [mean: number, stddev: number] {
  if (xs.length === 0) return [0, 0];
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  if (xs.length < 2) return [mean, 0];
  let sq = 0;
  for (const x of xs) sq += (x - mean) * (x - mean);
  return [mean, Math.sqrt(sq / (xs.length - 1))];
}

/** Newest first, ties by movie id descending (the order of the offline "last positives"). */
function newestFirst(history: readonly HistoryEntry[]): HistoryEntry[] {
  return [...history].sort((a, b) => b.timestamp - a.timestamp || b.movieId - a.movieId);
}

/**
 * The user features over the whole history, exactly as `userFeaturesSql` defines them: last five positives
 * (newest first, ties by movie id desc; 0 when fewer), count, mean and sample stddev of ratings and of the
 * release years of the rated movies that have one, top five genres of the positives by count (ties by name;
 * "" when fewer), highest and lowest rating. Means and stddevs rounded to 4 decimals, 0 when undefined.
 */
export function userFeaturesFromHistory(
  history: readonly HistoryEntry[],
  facts: (movieId: number) => MovieFacts | undefined,
): UserFeatureValues {
  const sorted = newestFirst(history);
  const positives = sorted.filter((h) => h.rating >= POSITIVE_RATING);
  const ratings = sorted.map((h) => h.rating);
  const years: number[] = [];
  const genreCounts = new Map<string, number>();
  for (const h of sorted) {
    const f = facts(h.movieId);
    if (f && f.releaseYear > 0) years.push(f.releaseYear);
  }
  for (const h of positives) {
    for (const g of facts(h.movieId)?.genres ?? []) genreCounts.set(g, (genreCounts.get(g) ?? 0) + 1);
  }
  const topGenres = [...genreCounts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([g]) => g);
  const [avgRating, sdRating] = meanAndSampleStddev(ratings);
  const [avgYear, sdYear] = meanAndSampleStddev(years);
  const out: Record<string, string> = {
    userRatingCount: String(sorted.length),
    userAvgReleaseYear: String(r4(avgYear)),
    userReleaseYearStddev: String(r4(sdYear)),
    userAvgRating: String(r4(avgRating)),
    userRatingStddev: String(r4(sdRating)),
    highestRating: String(ratings.length ? Math.max(...ratings) : 0),
    lowestRating: String(ratings.length ? Math.min(...ratings) : 0),
  };
  for (let k = 0; k < 5; k++) {
    out[`userRatedMovie${k + 1}`] = String(positives[k]?.movieId ?? 0);
    out[`userGenre${k + 1}`] = topGenres[k] ?? "";
  }
  return out as UserFeatureValues;
}

/** Mean of the vectors of the positively rated movies that have one (as the pipeline's `i2v-user`). */
export function userVectorFromHistory(
  history: readonly HistoryEntry[],
  vector: (movieId: number) => Float32Array | null | undefined,
): Float32Array | null {
  let acc: Float64Array | null = null;
  let n = 0;
  for (const h of history) {
    if (h.rating < POSITIVE_RATING) continue;
    const v = vector(h.movieId);
    if (!v) continue;
    acc ??= new Float64Array(v.length);
    for (let d = 0; d < v.length; d++) acc[d] += v[d];
    n++;
  }
  if (!acc) return null;
  const out = new Float32Array(acc.length);
  for (let d = 0; d < acc.length; d++) out[d] = acc[d] / n;
  return out;
}

/** Keys the real-time path adds to a version namespace (deleted with the version by the loader). */
export function realtimeKeys(vk: VersionKeys) {
  const base = vk.pattern.slice(0, -1);
  return {
    /** HASH per user: `rev` (write counter), `m:<movieId>` → stream seq that last wrote the movie, `lastEventId`. */
    applied: (userId: number | string) => `${base}rt:${userId}`,
    /** STRING: replay of the ratings stream onto this version: `running:<owner>` (with TTL) or `done:<seq>`. */
    replay: `${base}rt-replay`,
  };
}

/** A rating to apply: what the JetStream event carries, with its stream sequence. */
export interface RatingToApply {
  eventId: string;
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
  /** The event's stream sequence: orders ratings of one (user, movie) and makes re-delivery a no-op. */
  seq: number;
}

export type ApplyOutcome = "applied" | "duplicate" | "superseded";

export interface ApplyResult {
  outcome: ApplyOutcome;
  version: string;
  /** The user's features after the event (absent when nothing changed). */
  features?: UserFeatureValues;
}

/** The event cannot be applied to any version: dead-letter it. */
export class RatingRejectedError extends Error {
  constructor(
    readonly reason: "unknown-movie" | "unknown-user",
    message: string,
  ) {
    super(message);
    this.name = "RatingRejectedError";
  }
}

/** Nothing is loaded yet (or writers kept colliding): retry the event later, it is not bad. */
export class RatingNotAppliedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RatingNotAppliedError";
  }
}

// KEYS: current, history, user features, applied, i2v-user embeddings.
// ARGV: version, expected rev, movieId, "rating:timestamp", seq, userId, eventId, vector ("" = none),
// then the feature field/value pairs. Returns 1 applied, 0 already applied/superseded, -1 rev moved,
// -2 the version is no longer live.
const APPLY_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -2 end
local rev = redis.call('HGET', KEYS[4], 'rev') or '0'
if rev ~= ARGV[2] then return -1 end
local prev = tonumber(redis.call('HGET', KEYS[4], 'm:' .. ARGV[3]) or '0')
if prev >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], unpack(ARGV, 9, #ARGV))
if ARGV[8] == '' then redis.call('HDEL', KEYS[5], ARGV[6]) else redis.call('HSET', KEYS[5], ARGV[6], ARGV[8]) end
redis.call('HSET', KEYS[4], 'rev', tonumber(rev) + 1, 'm:' .. ARGV[3], ARGV[5], 'lastEventId', ARGV[7])
return 1
`;

type ApplyCommand = (
  keys: [string, string, string, string, string],
  ...args: (string | number | Buffer)[]
) => Promise<number>;

/** Movie facts and item vectors of one version, fetched on first use (they do not change within it). */
class VersionCatalogue {
  readonly facts = new Map<number, MovieFacts | null>();
  readonly vectors = new Map<number, Float32Array | null>();
  constructor(readonly vk: VersionKeys) {}
}

export interface RealtimeWriterOptions {
  /** Accept ratings of users the version does not know (new sign-ups; default); false rejects them. */
  allowNewUsers?: boolean;
  /** Compare-and-set attempts before giving up on a hot user (the event is retried later). */
  maxAttempts?: number;
}

/** Applies ratings to the live version of one prefix. */
export class RealtimeWriter {
  readonly keys: StoreKeys;
  private catalogue: VersionCatalogue | null = null;
  private live: { version: string; readAt: number } | null = null;
  private readonly applyCommand: ApplyCommand;

  constructor(
    readonly redis: Redis,
    prefix: string,
    private readonly options: RealtimeWriterOptions = {},
  ) {
    this.keys = storeKeys(prefix);
    const name = "wrenApplyRating";
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 5, lua: APPLY_LUA });
    const cmd = (redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>)[name];
    this.applyCommand = (keys, ...args) => cmd.call(redis, ...keys, ...args);
  }

  async apply(e: RatingToApply): Promise<ApplyResult> {
    const attempts = this.options.maxAttempts ?? 20;
    for (let i = 0; i < attempts; i++) {
      const version = await this.liveVersion();
      if (version === null) throw new RatingNotAppliedError("no feature version is loaded yet");
      const result = await this.tryApply(version, e);
      if (result) return result;
    }
    throw new RatingNotAppliedError(`user ${e.userId}: ${attempts} concurrent-update conflicts in a row`);
  }

  /** One compare-and-set attempt on `version`; null when another writer (or a flip) got in between. */
  private async tryApply(version: string, e: RatingToApply): Promise<ApplyResult | null> {
    const cat = this.catalogueOf(version);
    const vk = cat.vk;
    const rt = realtimeKeys(vk);
    const pipe = this.redis.pipeline();
    pipe.get(this.keys.current);
    pipe.hgetall(vk.history(e.userId));
    pipe.hmget(rt.applied(e.userId), "rev", `m:${e.movieId}`);
    pipe.exists(vk.user(e.userId));
    const [current, rawHistory, [rev, prevSeq], userExists] = await execPipeline<unknown>(pipe).then(
      (r) => r as [string | null, FieldMap, (string | null)[], number],
    );
    // The cached version was stale: what we read belongs to a version that is no longer live.
    if (current !== version) {
      this.live = null;
      return null;
    }
    if (prevSeq !== null && Number(prevSeq) >= e.seq) {
      return { outcome: Number(prevSeq) === e.seq ? "duplicate" : "superseded", version };
    }
    const known = userExists === 1 || Object.keys(rawHistory).length > 0;
    if (!known && this.options.allowNewUsers === false) {
      throw new RatingRejectedError("unknown-user", `user ${e.userId} is not in feature version ${version}`);
    }
    await this.fetchFacts(cat, [e.movieId]);
    if (!cat.facts.get(e.movieId)) {
      throw new RatingRejectedError(
        "unknown-movie",
        `movie ${e.movieId} is not in feature version ${version}`,
      );
    }
    const history = parseHistory(rawHistory).filter((h) => h.movieId !== e.movieId);
    history.push({ movieId: e.movieId, rating: e.rating, timestamp: e.timestamp });
    await this.fetchFacts(
      cat,
      history.map((h) => h.movieId),
    );
    await this.fetchVectors(
      cat,
      history.filter((h) => h.rating >= POSITIVE_RATING).map((h) => h.movieId),
    );
    const features = userFeaturesFromHistory(history, (id) => cat.facts.get(id) ?? undefined);
    const vector = userVectorFromHistory(history, (id) => cat.vectors.get(id));
    const pairs: string[] = [];
    for (const f of [...USER_FEATURE_FIELDS, ...USER_DISPLAY_FIELDS]) pairs.push(f, features[f]);
    const res = await this.applyCommand(
      [
        this.keys.current,
        vk.history(e.userId),
        vk.user(e.userId),
        rt.applied(e.userId),
        vk.embeddings(USER_SPACE),
      ],
      version,
      rev ?? "0",
      e.movieId,
      `${e.rating}:${e.timestamp}`,
      e.seq,
      e.userId,
      e.eventId,
      vector ? encodeVector(vector) : "",
      ...pairs,
    );
    if (res === 1) return { outcome: "applied", version, features };
    if (res === 0) return { outcome: "duplicate", version };
    if (res === -2) this.live = null;
    return null;
  }

  /**
   * The live version, cached for a second: the write script checks it against `current` anyway, and a
   * stale guess only costs the retry that re-reads it (the cache is dropped on a mismatch).
   */
  private async liveVersion(): Promise<string | null> {
    const now = Date.now();
    if (this.live && now - this.live.readAt < 1000) return this.live.version;
    const version = await this.redis.get(this.keys.current);
    this.live = version === null ? null : { version, readAt: now };
    return version;
  }

  private catalogueOf(version: string): VersionCatalogue {
    if (this.catalogue?.vk.version !== version) {
      this.catalogue = new VersionCatalogue(this.keys.version(version));
    }
    return this.catalogue;
  }

  private async fetchFacts(cat: VersionCatalogue, ids: readonly number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !cat.facts.has(id));
    if (missing.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const id of missing) pipe.hmget(cat.vk.movie(id), "releaseYear", "genres");
    const rows = await execPipeline<(string | null)[]>(pipe);
    missing.forEach((id, i) => {
      const [year, genres] = rows[i];
      cat.facts.set(
        id,
        year === null && genres === null
          ? null
          : { releaseYear: Number(year ?? 0) || 0, genres: genres ? genres.split("|") : [] },
      );
    });
  }

  private async fetchVectors(cat: VersionCatalogue, ids: readonly number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !cat.vectors.has(id));
    if (missing.length === 0) return;
    const raw = await this.redis.hmgetBuffer(cat.vk.embeddings(ITEM_SPACE), ...missing.map(String));
    missing.forEach((id, i) => {
      const b = raw[i];
      cat.vectors.set(id, b ? decodeVector(b) : null);
    });
  }

  /**
   * Claims the replay of the ratings stream onto `version` for `ttlMs` (one replica replays; if it dies the
   * claim expires and another takes over). Returns false when it is claimed or already done.
   */
  async claimReplay(version: string, owner: string, ttlMs: number): Promise<boolean> {
    const key = realtimeKeys(this.keys.version(version)).replay;
    return (await this.redis.set(key, `running:${owner}`, "PX", ttlMs, "NX")) === "OK";
  }

  /** Marks the replay onto `version` done up to stream sequence `lastSeq` (kept as long as the version). */
  async finishReplay(version: string, lastSeq: number): Promise<void> {
    await this.redis.set(realtimeKeys(this.keys.version(version)).replay, `done:${lastSeq}`);
  }

  /** Gives up a claim (the replay failed; the next check retries it). */
  async releaseReplay(version: string): Promise<void> {
    await this.redis.del(realtimeKeys(this.keys.version(version)).replay);
  }

  /** `done:<seq>`, `running:<owner>` or null (never replayed). */
  async replayState(version: string): Promise<string | null> {
    return this.redis.get(realtimeKeys(this.keys.version(version)).replay);
  }
}
