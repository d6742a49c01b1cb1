import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureStore, loadFeatures, type MovieRecord, rollbackFeatures, storeKeys } from "../src/index.js";
import { markedInput } from "./fixtures/data.js";
import { type PrivateRedis, startRedis } from "./private-redis.js";

let server: PrivateRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterAll(async () => {
  await server?.stop();
});

const newPrefix = () => `test-${randomUUID()}`;

async function countKeys(pattern: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    n += found.length;
  } while (cursor !== "0");
  return n;
}

describe("feature store", () => {
  it("loads a version and reads every kind of data back", async () => {
    const prefix = newPrefix();
    const res = await loadFeatures(redis, markedInput(3), { prefix });
    const store = new FeatureStore(redis, prefix);
    expect(await store.currentVersion()).toBe(res.version);
    const snap = await store.snapshot();
    if (!snap) throw new Error("no snapshot");

    const [m7, missing] = await snap.getMovieFeatures([7, 999]);
    expect(m7?.title).toBe('Movie 7, "the" (1996)');
    expect(m7?.movieAvgRating).toBe("3");
    expect(missing).toBeNull();
    const [sel] = await snap.getMovieFeatures([7], ["movieAvgRating", "releaseYear"]);
    expect(sel).toEqual({ movieAvgRating: "3", releaseYear: "1996" });

    const [u1] = await snap.getUserFeatures([1]);
    expect(u1).toMatchObject({ userRatingCount: "3", userGenre1: "Drama", highestRating: "5" });
    expect(await snap.getUserHistory(1)).toEqual([
      { movieId: 3, rating: 2, timestamp: 200 },
      { movieId: 2, rating: 3, timestamp: 200 },
      { movieId: 1, rating: 4.5, timestamp: 100 },
    ]);
    expect(await snap.getUserHistory(12345)).toEqual([]);
    expect((await snap.getTopRatings([4]))[0]).toEqual([
      { userId: 7, rating: 5, timestamp: 1003 },
      { userId: 3, rating: 4.5, timestamp: 903 },
    ]);

    const movies = await snap.getMovies();
    expect(movies).toHaveLength(50);
    expect(movies[0].movieId).toBe(50); // most rated first
    expect(movies[0]).toMatchObject({ genres: ["Action", "Comedy"], releaseYear: 2009, averageRating: 3 });

    const [v5, none] = await snap.getEmbeddings("i2v", [5, 777]);
    expect(Array.from(v5 ?? [])).toEqual([3, 5, -0.25]);
    expect(none).toBeNull();
    expect((await snap.getAllEmbeddings("i2v")).size).toBe(50);
    expect(await snap.meta()).toMatchObject({
      marker: "3",
      "embedding:i2v:dim": "3",
      "embedding:i2v:count": "50",
    });
  });

  it("readers never see a mix of versions while a load flips the pointer", async () => {
    const prefix = newPrefix();
    await loadFeatures(redis, markedInput(1, { movies: 300, users: 10 }), { prefix });
    const store = new FeatureStore(redis, prefix);
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    const reader = server.client();
    const readerStore = new FeatureStore(reader, prefix);
    let done = false;
    const seen = new Set<string>();
    let reads = 0;
    const readLoop = async () => {
      while (!done) {
        const snap = await readerStore.snapshot();
        if (!snap) throw new Error("pointer missing during load");
        const rows = await snap.getMovieFeatures(ids, ["movieAvgRating"]);
        const values = new Set(rows.map((r) => r?.movieAvgRating ?? "missing"));
        expect(values.size).toBe(1);
        seen.add([...values][0]);
        reads++;
      }
    };
    const readers = [readLoop(), readLoop()];
    for (const marker of [2, 3, 4]) {
      await loadFeatures(redis, markedInput(marker, { movies: 300, users: 10 }), {
        prefix,
        batchFields: 500,
      });
    }
    done = true;
    await Promise.all(readers);
    expect(seen.has("missing")).toBe(false);
    expect(seen.has("4")).toBe(true);
    expect(reads).toBeGreaterThan(5);
    expect((await store.getMovieFeatures([1], ["movieAvgRating"]))[0]).toEqual({ movieAvgRating: "4" });
  });

  it("keeps the previous version for rollback and deletes older ones", async () => {
    const prefix = newPrefix();
    const keys = storeKeys(prefix);
    const v1 = await loadFeatures(redis, markedInput(1), { prefix });
    const v2 = await loadFeatures(redis, markedInput(2), { prefix });
    const v3 = await loadFeatures(redis, markedInput(3), { prefix });
    expect(v3.previous).toBe(v2.version);
    expect(v3.deleted).toEqual([v1.version]);
    expect(await countKeys(keys.version(v1.version).pattern)).toBe(0);
    const store = new FeatureStore(redis, prefix);
    expect((await store.listVersions()).map((v) => v.version)).toEqual([v3.version, v2.version]);

    const back = await rollbackFeatures(redis, { prefix });
    expect(back).toEqual({ from: v3.version, to: v2.version });
    expect((await store.getMovieFeatures([1], ["movieAvgRating"]))[0]?.movieAvgRating).toBe("2");
    // a second rollback switches forward again: both versions are still kept
    expect((await rollbackFeatures(redis, { prefix })).to).toBe(v3.version);
    await expect(rollbackFeatures(redis, { prefix, to: v1.version })).rejects.toThrow(/unknown version/);
    // a pinned snapshot keeps reading its version after a newer load
    const pinned = store.at(v3.version);
    await loadFeatures(redis, markedInput(4), { prefix });
    expect((await pinned.getMovieFeatures([1], ["movieAvgRating"]))[0]?.movieAvgRating).toBe("3");
  });

  it("a load that fails half-way leaves the live version untouched and removes its keys", async () => {
    const prefix = newPrefix();
    const keys = storeKeys(prefix);
    const live = await loadFeatures(redis, markedInput(1), { prefix });
    const good = markedInput(2);
    async function* failing(): AsyncIterable<MovieRecord> {
      yield* good.movies as MovieRecord[];
      throw new Error("bad row in the middle");
    }
    await expect(
      loadFeatures(redis, { ...good, movies: failing() }, { prefix, batchFields: 10 }),
    ).rejects.toThrow("bad row in the middle");
    expect(await redis.get(keys.current)).toBe(live.version);
    expect(await countKeys(`${prefix}:v:*`)).toBe(await countKeys(keys.version(live.version).pattern));
    expect(await redis.zcard(keys.loading)).toBe(0);
    expect(await redis.exists(keys.lock)).toBe(0);
  });

  it("a load killed half-way leaves the live version untouched; the next load cleans up", async () => {
    const prefix = newPrefix();
    const keys = storeKeys(prefix);
    const live = await loadFeatures(redis, markedInput(1), { prefix });
    const liveKeys = await countKeys(keys.version(live.version).pattern);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./fixtures/slow-load.ts", import.meta.url)),
        server.url,
        prefix,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise((r) => child.once("exit", r));
    // wait until the child has written a good part of its version
    const deadline = Date.now() + 30_000;
    let partial: string | undefined;
    while (Date.now() < deadline) {
      [partial] = await redis.zrange(keys.loading, 0, 0);
      if (partial && (await countKeys(keys.version(partial).pattern)) > 2000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(partial, `child never started loading: ${stderr}`).toBeTruthy();
    child.kill("SIGKILL");
    await exited;
    expect(await redis.get(keys.current)).toBe(live.version);
    const store = new FeatureStore(redis, prefix);
    expect((await store.getMovieFeatures([1, 50], ["movieAvgRating"])).map((r) => r?.movieAvgRating)).toEqual(
      ["1", "1"],
    );
    // the dead loader's lock expires (400 ms TTL, no refresh); then the next load removes its partial keys
    while ((await redis.exists(keys.lock)) === 1) await new Promise((r) => setTimeout(r, 50));
    const next = await loadFeatures(redis, markedInput(2), { prefix });
    expect(next.deleted).toContain(partial);
    expect(await countKeys(keys.version(partial as string).pattern)).toBe(0);
    expect(await countKeys(keys.version(live.version).pattern)).toBe(liveKeys);
  });

  it("refuses a second concurrent load instead of interleaving", async () => {
    const prefix = newPrefix();
    await redis.set(storeKeys(prefix).lock, "someone-else", "PX", 5000);
    await expect(loadFeatures(redis, markedInput(1), { prefix })).rejects.toThrow(/holds .*lock/);
    await expect(rollbackFeatures(redis, { prefix })).rejects.toThrow(/holds .*lock/);
  });

  it("never used KEYS (checked on this file's private Redis)", async () => {
    const stats = await redis.info("commandstats");
    expect(stats).toMatch(/cmdstat_scan:/);
    expect(stats).toMatch(/cmdstat_unlink:/);
    expect(stats).not.toMatch(/cmdstat_keys:/);
  });
});
