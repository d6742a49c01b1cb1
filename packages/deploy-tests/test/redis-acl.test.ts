import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FeatureStore, loadFeatures, RealtimeWriter, storeKeys } from "@wren/feature-store";
import { freePort } from "@wren/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnv } from "../src/env-file.js";
import { repoPath } from "../src/paths.js";
import { type Proc, startProcess, tempDir } from "./private-servers.js";

const START = repoPath("deploy", "redis", "start.sh");
const ACL = repoPath("deploy", "redis", "users.acl");
const SERVICE_USERS = ["recall-service", "feature-service"];
const WORKER = "nearline-worker";

describe("Redis ACL (deploy/redis) on a private redis-server", () => {
  let server: Proc;
  let port: number;
  let dotenv: Map<string, string>;
  const clients: Redis[] = [];

  beforeAll(async () => {
    port = await freePort();
    dotenv = makeEnv();
    const dir = tempDir("redis");
    // The committed start script, template and redis.conf; the test moves only the port, paths and AOF.
    const args = [ACL, join(dir, "users.acl"), repoPath("deploy", "redis", "redis.conf")];
    args.push("--port", String(port), "--bind", "127.0.0.1", "--aclfile", join(dir, "users.acl"));
    args.push("--dir", dir, "--appendonly", "no");
    server = await startProcess("sh", [START, ...args], {
      port,
      env: { ...process.env, ...Object.fromEntries(dotenv) },
      cleanup: dir,
    });
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  const password = (user: string) => dotenv.get(`REDIS_${user.toUpperCase().replace(/-/g, "_")}_PASSWORD`);

  const errors = new WeakMap<Redis, string[]>();
  function as(user?: string, pass = user ? password(user) : undefined): Redis {
    const c = new Redis({
      port,
      host: "127.0.0.1",
      username: user,
      password: pass,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    errors.set(c, []);
    c.on("error", (err: Error) => errors.get(c)?.push(err.message));
    clients.push(c);
    return c;
  }

  it("every user in users.acl has its password in .env.example", () => {
    const users = [...readFileSync(ACL, "utf8").matchAll(/^user (\S+) .*#@([A-Z_]+)@/gm)];
    expect(users.map((m) => m[1]).sort()).toEqual(["pipeline", WORKER, ...SERVICE_USERS].sort());
    for (const [, user, key] of users) expect(password(user), key).toBeTruthy();
  });

  it("the pipeline writes features under wren:* and nothing else; no KEYS or FLUSHALL", async () => {
    const p = as("pipeline");
    await p.connect();
    expect(await p.hset("wren:test:mf:1", { title: "Toy Story", releaseYear: "1995" })).toBe(2);
    expect(await p.set("wren:features:current", "v1")).toBe("OK");
    await expect(p.set("other:key", "x")).rejects.toThrow(/NOPERM/);
    await expect(p.keys("*")).rejects.toThrow(/NOPERM/);
    await expect(p.flushall()).rejects.toThrow(/NOPERM/);
    await expect(p.flushdb()).rejects.toThrow(/NOPERM/);
    // Scripts run with the caller's permissions (the loader's lock release is a Lua compare-and-delete).
    await expect(p.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow(/can.t run this command|NOPERM/);
  });

  it("services read the live features and can neither write nor list or flush keys", async () => {
    for (const user of SERVICE_USERS) {
      const s = as(user);
      await s.connect();
      expect(await s.hget("wren:test:mf:1", "title")).toBe("Toy Story");
      expect(await s.hmget("wren:test:mf:1", "title", "releaseYear")).toEqual(["Toy Story", "1995"]);
      expect(await s.get("wren:features:current")).toBe("v1");
      expect(await s.pipeline().get("wren:features:current").hgetall("wren:test:mf:1").exec()).toEqual([
        [null, "v1"],
        [null, { title: "Toy Story", releaseYear: "1995" }],
      ]);
      await expect(s.hset("wren:test:mf:1", "title", "x"), user).rejects.toThrow(/NOPERM/);
      await expect(s.del("wren:features:current"), user).rejects.toThrow(/NOPERM/);
      await expect(s.keys("wren:*"), user).rejects.toThrow(/NOPERM/);
      await expect(s.flushall(), user).rejects.toThrow(/NOPERM/);
      await expect(s.flushdb(), user).rejects.toThrow(/NOPERM/);
      await expect(s.get("other:key"), user).rejects.toThrow(/NOPERM/);
    }
  });

  it("fits the real feature-store code: the pipeline loads, flips and prunes; services read", async () => {
    const prefix = "wren:acl-test";
    const input = (title: string) => ({
      movies: [{ movieId: 1, fields: { title, genres: "Comedy", releaseYear: 1995 }, topRatings: "7:5:100" }],
      users: [{ userId: 7, fields: { userRatingCount: 1, userAvgRating: 5 } }],
      histories: [{ userId: 7, entries: [1, "5:100"] }],
      embeddings: [{ space: "i2v", dim: 2, vectors: [{ id: 1, vector: [0.5, -1] }] }],
      meta: { source: "deploy-tests" },
    });
    const pipeline = as("pipeline");
    await pipeline.connect();
    // Two loads with keep: 1: the second flips the pointer and deletes the first version (SCAN + UNLINK).
    const first = await loadFeatures(pipeline, input("v1"), { prefix, keep: 1 });
    const second = await loadFeatures(pipeline, input("v2"), { prefix, keep: 1 });
    expect(second.previous).toBe(first.version);
    expect(second.deleted).toContain(first.version);

    for (const user of SERVICE_USERS) {
      const redis = as(user);
      await redis.connect();
      const store = new FeatureStore(redis, prefix);
      expect(await store.currentVersion(), user).toBe(second.version);
      const [movie] = await store.getMovieFeatures([1], ["title"]);
      expect(movie?.title, user).toBe("v2");
      expect((await store.getUserHistory(7)).length, user).toBe(1);
      const [vector] = await store.getEmbeddings("i2v", [1]);
      expect(Array.from(vector ?? []), user).toEqual([0.5, -1]);
      await expect(loadFeatures(redis, input("intruder"), { prefix }), user).rejects.toThrow(/NOPERM/);
    }
  });

  it("the nearline worker applies ratings and replays with its own keys only; the catalogue stays read-only", async () => {
    // The deployment's prefix: the worker's key patterns name it (FEATURE_STORE_PREFIX is not configurable).
    const prefix = "wren";
    const pipeline = as("pipeline");
    await pipeline.connect();
    const { version } = await loadFeatures(
      pipeline,
      {
        movies: [
          { movieId: 1, fields: { title: "Toy Story", genres: "Comedy", releaseYear: 1995 }, topRatings: "" },
        ],
        users: [{ userId: 7, fields: { userRatingCount: 0 } }],
        histories: [],
        embeddings: [{ space: "i2v", dim: 2, vectors: [{ id: 1, vector: [0.5, -1] }] }],
        meta: { source: "deploy-tests" },
      },
      { prefix },
    );
    const w = as(WORKER);
    await w.connect();
    // The worker's real write path: reads, then one Lua script writing uh, uf, rt and emb:i2v-user.
    const writer = new RealtimeWriter(w, prefix);
    const rating = { eventId: "e1", userId: 7, movieId: 1, rating: 4.5, timestamp: 100, seq: 1 };
    expect((await writer.apply(rating)).outcome).toBe("applied");
    expect((await writer.apply(rating)).outcome).toBe("duplicate");
    const store = new FeatureStore(w, prefix);
    expect(await store.getUserHistory(7)).toEqual([{ movieId: 1, rating: 4.5, timestamp: 100 }]);
    const [vector] = await store.getEmbeddings("i2v-user", [7]);
    expect(Array.from(vector ?? [])).toEqual([0.5, -1]);
    // The replay claim of a version (SET NX PX, then done:<seq>; DEL when a replay fails).
    expect(await writer.claimReplay(version, "replica-1", 60_000)).toBe(true);
    await writer.releaseReplay(version);
    expect(await writer.claimReplay(version, "replica-1", 60_000)).toBe(true);
    await writer.finishReplay(version, 1);
    expect(await writer.replayState(version)).toBe("done:1");

    const vk = storeKeys(prefix).version(version);
    await expect(w.hset(vk.movie(1), "title", "x")).rejects.toThrow(/NOPERM/);
    await expect(w.hset(vk.embeddings("i2v"), "1", "x")).rejects.toThrow(/NOPERM/);
    await expect(w.del(vk.meta)).rejects.toThrow(/NOPERM/);
    await expect(w.set("other:key", "x")).rejects.toThrow(/NOPERM/);
    await expect(w.keys("wren:*")).rejects.toThrow(/NOPERM/);
    await expect(w.flushall()).rejects.toThrow(/NOPERM/);
    await expect(w.eval("return redis.call('HSET', KEYS[1], 'title', 'x')", 1, vk.movie(1))).rejects.toThrow(
      /NOPERM|no permissions/,
    );
    await expect(
      loadFeatures(w, { movies: [], users: [], histories: [], embeddings: [] }, { prefix }),
    ).rejects.toThrow(/NOPERM/);
    expect(await pipeline.hget(vk.movie(1), "title")).toBe("Toy Story");
  });

  it("refuses a wrong password, and anonymous clients may only PING", async () => {
    const intruder = as("feature-service", "wrong");
    await expect(intruder.connect()).rejects.toThrow();
    expect(errors.get(intruder)?.join("\n")).toMatch(/WRONGPASS/);
    const anon = as();
    await anon.connect();
    expect(await anon.ping()).toBe("PONG");
    await expect(anon.get("wren:features:current")).rejects.toThrow(/NOPERM/);
  });

  it("start.sh refuses to start without a password", () => {
    const env = { ...process.env, ...Object.fromEntries(dotenv) };
    delete env.REDIS_RECALL_SERVICE_PASSWORD;
    const dir = tempDir("redis-nopass");
    expect(() =>
      execFileSync("sh", [START, ACL, join(dir, "users.acl"), "--port", "0"], { env, stdio: "pipe" }),
    ).toThrow(/REDIS_RECALL_SERVICE_PASSWORD is not set/);
  });
});
