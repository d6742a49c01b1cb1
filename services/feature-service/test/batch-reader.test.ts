import { storeKeys } from "@wren/feature-store";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, writeFixture } from "../../recall-service/test/fixture-store.js";
import { BatchReader } from "../src/index.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
let fx: Fixture;

beforeAll(async () => {
  fx = await writeFixture(redis);
});
afterAll(async () => {
  await fx.cleanup();
  redis.disconnect();
});

describe("BatchReader on the real Redis", () => {
  it("returns columnar features of the live version with defaults for unknown movies", async () => {
    const reader = new BatchReader(redis, { prefix: fx.prefix, cacheMax: 1000 });
    const res = await reader.read({
      userId: 6,
      movieIds: [201, 99999, 1],
      userFields: ["userRatingCount", "userGenre1"],
      movieFields: ["movieAvgRating", "movieGenre1", "releaseYear"],
    });
    expect(res.featureVersion).toBe(fx.version);
    expect(res.userFound).toBe(true);
    expect(res.user).toEqual({ userRatingCount: 8, userGenre1: "Drama" });
    expect(res.movieColumns.movieGenre1).toEqual(["Drama", "", "Action"]);
    expect(res.movieColumns.releaseYear).toEqual([1980, 0, 1980]);
    expect(res.missingMovieIds).toEqual([99999]);
    const unknown = await reader.read({
      userId: 5000,
      movieIds: [1],
      userFields: ["userAvgRating"],
      movieFields: [],
    });
    expect(unknown.userFound).toBe(false);
    expect(unknown.user).toEqual({ userAvgRating: 0 });
    expect(unknown.movieColumns).toEqual({});
  });

  it("rejects unknown field names, naming them", async () => {
    const reader = new BatchReader(redis, { prefix: fx.prefix, cacheMax: 1000 });
    await expect(
      reader.read({ userId: 6, movieIds: [1], userFields: [], movieFields: ["bogus"] }),
    ).rejects.toThrow(/movieFields: unknown movie feature "bogus"/);
  });

  it("serves movies from the item cache and drops it when the version pointer flips", async () => {
    const reader = new BatchReader(redis, { prefix: fx.prefix, cacheMax: 1000 });
    const req = { userId: 6, movieIds: [201, 202], userFields: [], movieFields: ["movieAvgRating"] };
    const first = await reader.read(req);
    const keys = storeKeys(fx.prefix);
    // Changing the hash in place is invisible while cached...
    await redis.hset(keys.version(fx.version).movie(201), "movieAvgRating", "1.25");
    expect((await reader.read(req)).movieColumns.movieAvgRating).toEqual(first.movieColumns.movieAvgRating);
    expect(reader.hits).toBeGreaterThanOrEqual(2);
    // ...a new version behind the pointer is seen on the next request.
    const next = keys.version("fixture-v2");
    await redis.hset(next.movie(201), { movieAvgRating: "4.75" });
    await redis.hset(next.movie(202), { movieAvgRating: "2.5" });
    await redis.set(keys.current, "fixture-v2");
    const flipped = await reader.read(req);
    expect(flipped.featureVersion).toBe("fixture-v2");
    expect(flipped.movieColumns.movieAvgRating).toEqual([4.75, 2.5]);
    expect(reader.cachedVersion).toBe("fixture-v2");
  });
});
