import { type FeaturesRequest, type FeaturesResponse, WrenError } from "@wren/contracts";
import { type StoreKeys, storeKeys } from "@wren/feature-store";
import type { Redis } from "ioredis";
import { checkFields, type FieldMap, movieColumns, userRow } from "../domain/columns.js";

export interface BatchReaderOptions {
  /** Feature-store key prefix. */
  prefix: string;
  /** Most movies kept in the item cache (the catalogue usually fits). */
  cacheMax: number;
}

/**
 * Reads a feature batch in ONE Redis round trip: the version pointer, the user's hash and the hashes of
 * movies missing from the item cache travel in one pipeline. The cache belongs to one version; when the
 * pointer in the reply differs from the version the cache holds, the cache is dropped and the batch
 * re-read from the new version (one extra round trip per flip, not per request).
 */
export class BatchReader {
  private readonly keys: StoreKeys;
  private version: string | null = null;
  private cache = new Map<number, FieldMap | null>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: BatchReaderOptions,
  ) {
    this.keys = storeKeys(options.prefix);
  }

  get cachedVersion(): string | null {
    return this.version;
  }

  async read(req: FeaturesRequest): Promise<FeaturesResponse> {
    checkFields(req.userFields, req.movieFields);
    for (let attempt = 0; attempt < 2; attempt++) {
      const assumed = this.version;
      const missing = req.movieFields.length === 0 ? [] : req.movieIds.filter((id) => !this.cache.has(id));
      const pipe = this.redis.pipeline();
      pipe.get(this.keys.current);
      const vk = assumed ? this.keys.version(assumed) : null;
      if (vk) {
        pipe.hgetall(vk.user(req.userId));
        for (const id of missing) pipe.hgetall(vk.movie(id));
      }
      const replies = (await pipe.exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
      const current = replies[0][1] as string | null;
      if (current === null)
        throw WrenError.unavailable("no feature-store version loaded yet (run the pipeline)");
      if (current !== assumed) {
        this.version = current;
        this.cache = new Map();
        continue;
      }
      const hash = (i: number) => {
        const m = replies[i][1] as FieldMap;
        return Object.keys(m).length === 0 ? null : m;
      };
      missing.forEach((id, i) => {
        this.cache.set(id, hash(i + 2));
      });
      this.misses += missing.length;
      this.hits += req.movieFields.length === 0 ? 0 : req.movieIds.length - missing.length;
      const userHash = hash(1);
      const rows = req.movieFields.length === 0 ? [] : req.movieIds.map((id) => this.cache.get(id) ?? null);
      if (this.cache.size > this.options.cacheMax) this.cache = new Map();
      return {
        featureVersion: current,
        userId: req.userId,
        userFound: userHash !== null,
        user: userRow(userHash, req.userFields),
        movieIds: req.movieIds,
        ...(req.movieFields.length === 0
          ? { movieColumns: {}, missingMovieIds: [] }
          : movieColumns(req.movieIds, rows, req.movieFields)),
      };
    }
    throw WrenError.unavailable("feature-store version pointer kept moving during the read");
  }
}
