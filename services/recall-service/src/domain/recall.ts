import { channelBit, type RecallChannel } from "@wren/contracts";
import type { CatalogIndex } from "./catalog-index.js";

/** One past rating of the user (newest first in `UserSignals.history`). */
export interface RatedMovie {
  movieId: number;
  rating: number;
  timestamp: number;
}

export interface UserSignals {
  /** Every rating of the user, newest first. Empty for an unknown user. */
  history: readonly RatedMovie[];
  /** The user's two-tower vector, when that space exists and knows the user. */
  twoTowerVector: Float32Array | null;
}

export interface RecallConfig {
  /** Candidates kept after merging. */
  size: number;
  /** Fewer ratings than this → cold-start mix. */
  minUserRatings: number;
  /** A rating at or above this is positive (the reference's label threshold). */
  positiveRating: number;
  /** Item2Vec seeds: this many most recent positive movies. */
  i2vSeeds: number;
  /** Favourite genres used by the genre channel. */
  favouriteGenres: number;
  /** Share of `size` reserved for the generic channels (top-rated, popular) after the personal ones. */
  genericShare: number;
  /** Most candidates each channel may contribute before merging. */
  quotas: Record<Exclude<RecallChannel, "cold-start">, number>;
}

export const DEFAULT_RECALL_CONFIG: RecallConfig = Object.freeze({
  size: 800,
  minUserRatings: 5,
  positiveRating: 3.5,
  i2vSeeds: 5,
  favouriteGenres: 3,
  genericShare: 0.2,
  quotas: Object.freeze({ "two-tower": 300, i2v: 300, genre: 300, "top-rated": 150, popular: 150 }),
});

export interface RecallResult {
  movieIds: number[];
  channelMasks: number[];
  coldStart: boolean;
}

interface ChannelList {
  mask: number;
  ids: number[];
}

/** Genres of the positively rated movies, most frequent first (ties: alphabetical). */
export function favouriteGenres(
  index: CatalogIndex,
  history: readonly RatedMovie[],
  positiveRating: number,
): { genre: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of history) {
    if (r.rating < positiveRating) continue;
    for (const g of index.movies.get(r.movieId)?.genres ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return [...counts]
    .map(([genre, count]) => ({ genre, count }))
    .sort((a, b) => b.count - a.count || a.genre.localeCompare(b.genre));
}

/** The first `limit` ids of `source` not in `exclude`. */
function take(source: Iterable<number>, limit: number, exclude: ReadonlySet<number>): number[] {
  const out: number[] = [];
  if (limit <= 0) return out;
  for (const id of source) {
    if (exclude.has(id)) continue;
    out.push(id);
    if (out.length >= limit) break;
  }
  return out;
}

/** Round-robin over lists (skipping ids already taken); `limit` total. */
function interleave(lists: readonly (readonly number[])[], limit: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < limit; i++) {
    let any = false;
    for (const l of lists) {
      if (i >= l.length) continue;
      any = true;
      if (!seen.has(l[i])) {
        seen.add(l[i]);
        out.push(l[i]);
        if (out.length >= limit) break;
      }
    }
    if (!any) break;
  }
  return out;
}

/**
 * Candidates merged round-robin from channel lists in priority order (so a degraded answer in recall order
 * is still a personal mix); a movie several channels proposed keeps every channel's bit. Later `add`s
 * extend the list: earlier movies keep their place and gain the new tags; new movies stop at `size`
 * (at most the `capacity` given at construction).
 */
export class CandidateMerge {
  private readonly ids: Int32Array;
  private readonly masks: Int32Array;
  private readonly position: IdPositions;
  private count = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.masks = new Int32Array(capacity);
    this.position = new IdPositions(capacity);
  }

  get length(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.position.get(id) >= 0;
  }

  add(lists: readonly ChannelList[], size: number): this {
    const limit = Math.min(size, this.ids.length);
    let longest = 0;
    for (const l of lists) longest = Math.max(longest, l.ids.length);
    for (let i = 0; i < longest; i++) {
      for (const l of lists) {
        if (i >= l.ids.length) continue;
        const id = l.ids[i];
        const at = this.position.get(id);
        if (at >= 0) {
          this.masks[at] |= l.mask;
        } else if (this.count < limit) {
          this.position.set(id, this.count);
          this.ids[this.count] = id;
          this.masks[this.count++] = l.mask;
        }
      }
    }
    return this;
  }

  /** The merged list so far, as the contract's plain arrays. */
  result(): Pick<RecallResult, "movieIds" | "channelMasks"> {
    return { movieIds: plainArray(this.ids, this.count), channelMasks: plainArray(this.masks, this.count) };
  }
}

/** The first `n` values, in an array allocated once at its final size. */
function plainArray(values: Int32Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = values[i];
  return out;
}

/**
 * Movie id → position in the merged list, in one fixed open-addressing table. Recall merges ~800 ids per
 * request: a Map and two arrays grown to that size were 81 of the 261 KB recall allocated per request, and
 * recallCandidates now takes about 150 instead of 240 µs on the demo data. Ids are the contract's positive
 * int32s, so 0 marks a free slot.
 */
class IdPositions {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  /** Fibonacci hashing: the product's top bits index the table. */
  private readonly shift: number;

  constructor(capacity: number) {
    let bits = 4;
    while (1 << bits < capacity * 2) bits++;
    this.keys = new Int32Array(1 << bits); // 0 = empty: movie ids are positive
    this.values = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /** The id's position, or -1. */
  get(id: number): number {
    for (let i = this.slot(id); ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === id) return this.values[i];
      if (k === 0) return -1;
    }
  }

  /** Records a new id (callers check `get` first and stay within `capacity`). */
  set(id: number, position: number): void {
    let i = this.slot(id);
    while (this.keys[i] !== 0) i = (i + 1) & this.mask;
    this.keys[i] = id;
    this.values[i] = position;
  }

  private slot(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }
}

/** One merge of `lists` (see CandidateMerge). */
export function mergeChannels(lists: readonly ChannelList[], size: number): RecallResult {
  return { ...new CandidateMerge(size).add(lists, size).result(), coldStart: false };
}

function i2vNeighbours(
  index: CatalogIndex,
  seeds: number[],
  quota: number,
  exclude: ReadonlySet<number>,
): number[] {
  if (!index.i2v || seeds.length === 0) return [];
  const perSeed = Math.ceil(quota / seeds.length);
  const lists: number[][] = [];
  for (const seed of seeds) {
    const ids = index.i2v.nearestToId(seed, perSeed, exclude);
    if (ids) lists.push(ids);
  }
  return interleave(lists, quota);
}

/**
 * Personalised candidates: two-tower and Item2Vec neighbours, the user's favourite genres, top-rated and
 * popular; never a movie in the user's history. Users with fewer than `minUserRatings` ratings get the
 * cold-start mix: popular movies interleaved with the most popular of every genre (tagged `cold-start`).
 */
export function recallCandidates(
  index: CatalogIndex,
  user: UserSignals,
  config: RecallConfig = DEFAULT_RECALL_CONFIG,
): RecallResult {
  const exclude = new Set(user.history.map((r) => r.movieId));
  const q = config.quotas;

  if (user.history.length < config.minUserRatings) {
    const coldBit = channelBit("cold-start");
    const diverse = interleave(
      index.genres.map((g) => take(index.genrePopular.get(g.genre) ?? [], config.size, exclude)),
      config.size,
    );
    const result = mergeChannels(
      [
        { mask: coldBit | channelBit("popular"), ids: take(index.popular, config.size, exclude) },
        { mask: coldBit | channelBit("genre"), ids: diverse },
      ],
      config.size,
    );
    return { ...result, coldStart: true };
  }

  const seeds = user.history
    .filter((r) => r.rating >= config.positiveRating)
    .slice(0, config.i2vSeeds)
    .map((r) => r.movieId);
  const genres = favouriteGenres(index, user.history, config.positiveRating).slice(0, config.favouriteGenres);
  const perGenre = genres.length > 0 ? Math.ceil(q.genre / genres.length) : 0;
  const genreIds = interleave(
    genres.map((g) => take(index.genrePopular.get(g.genre) ?? [], perGenre, exclude)),
    q.genre,
  );
  const lists: ChannelList[] = [];
  if (index.twoTowerItems && user.twoTowerVector && user.twoTowerVector.length === index.twoTowerItems.dim) {
    lists.push({
      mask: channelBit("two-tower"),
      ids: index.twoTowerItems.nearest(user.twoTowerVector, q["two-tower"], exclude).ids,
    });
  }
  lists.push(
    { mask: channelBit("i2v"), ids: i2vNeighbours(index, seeds, q.i2v, exclude) },
    { mask: channelBit("genre"), ids: genreIds },
  );
  // Personal channels first, then the generic ones, which always keep a share of the list.
  const reserve = Math.min(q["top-rated"] + q.popular, Math.floor(config.size * config.genericShare));
  const merged = new CandidateMerge(config.size).add(lists, config.size - reserve);
  merged.add(
    [
      { mask: channelBit("top-rated"), ids: take(index.topRated, q["top-rated"], exclude) },
      { mask: channelBit("popular"), ids: take(index.popular, q.popular, exclude) },
    ],
    config.size,
  );
  // Channels can fall short (small catalogue, few embeddings): top up from popularity.
  const topUp: number[] = [];
  for (const id of index.popular) {
    if (merged.length + topUp.length >= config.size) break;
    if (!exclude.has(id) && !merged.has(id)) topUp.push(id);
  }
  merged.add([{ mask: channelBit("popular"), ids: topUp }], config.size);
  return { ...merged.result(), coldStart: false };
}
