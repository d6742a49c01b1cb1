import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { connectRedis, DEFAULT_REDIS_URL, FeatureStore, type Redis } from "@wren/feature-store";
import { generateDataset } from "@wren/movielens";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerFeatureCommands } from "../src/commands/features.js";
import { registerTrainCommands } from "../src/commands/train.js";
import { runPipeline } from "../src/pipeline/run-pipeline.js";

const prefix = `test-${randomUUID()}`;
let redis: Redis;
let root: string;

beforeAll(async () => {
  redis = await connectRedis(DEFAULT_REDIS_URL);
  root = await mkdtemp(join(tmpdir(), "wren-pipeline-"));
});

afterAll(async () => {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
});

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("wren pipeline", () => {
  it("runs generated data end to end into a live Redis version; bad input exits non-zero and keeps it live", async () => {
    const data = join(root, "data");
    await generateDataset({ out: data, users: 150, movies: 200, ratings: 4000, seed: 7 });
    const out = join(root, "features");
    const res = await runPipeline({ data, out, redisUrl: DEFAULT_REDIS_URL, prefix, quiet: true });
    expect(res.manifest.counts).toMatchObject({ ratings: 4000, trainingSamples: 3200, testSamples: 800 });

    const store = new FeatureStore(redis, prefix);
    const snap = await store.snapshot();
    expect(snap?.version).toBe(res.load.version);
    if (!snap) return;
    expect(await snap.getMovies()).toHaveLength(res.manifest.counts.movies);
    const users = Array.from({ length: 150 }, (_, i) => i + 1);
    const histories = await snap.getUserHistories(users);
    expect(histories.reduce((n, h) => n + h.length, 0)).toBe(4000);
    const [u1] = await snap.getUserFeatures([1]);
    expect(Number(u1?.userRatingCount)).toBe(histories[0].length);
    const i2v = await snap.getAllEmbeddings("i2v");
    expect(i2v.size).toBe(res.embeddings.find((e) => e.space === "i2v")?.count);
    expect([...i2v.values()][0]).toHaveLength(10);
    expect((await snap.getAllEmbeddings("i2v-user")).size).toBeGreaterThan(100);

    // a bad ratings file: the CLI names file and line, exits 1, and the live version stays
    const bad = join(root, "bad");
    await generateDataset({ out: bad, users: 20, movies: 30, ratings: 200, seed: 1 });
    await writeFile(join(bad, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,9.0,101\n");
    const run = promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "pipeline",
        "--data",
        bad,
        "--out",
        join(root, "bad-out"),
        "--prefix",
        prefix,
        "-q",
      ],
      { env: { ...process.env, REDIS_URL: DEFAULT_REDIS_URL } },
    );
    const err = await run.then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(`${join(bad, "ratings.csv")}:3: rating outside 0.5–5: rating 9`);
    expect(await store.currentVersion()).toBe(res.load.version);
  });

  it("converts ml-1m style data on the way in", async () => {
    const dir = join(root, "ml-1m");
    await mkdir(dir);
    await writeFile(
      join(dir, "movies.dat"),
      "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Heat, The (1995)::Action|Crime|Thriller\n",
    );
    await writeFile(
      join(dir, "ratings.dat"),
      "1::1::5::978300760\n1::2::3::978300761\n2::1::4::978300762\n2::2::4::978300800\n3::2::1::978300900\n",
    );
    const out = join(root, "ml-1m-features");
    const res = await runPipeline({
      data: dir,
      out,
      redisUrl: DEFAULT_REDIS_URL,
      prefix,
      embeddings: false,
      quiet: true,
    });
    expect(res.manifest.counts).toMatchObject({
      ratings: 5,
      users: 3,
      movies: 2,
      trainingSamples: 4,
      testSamples: 1,
    });
    const [heat] = await new FeatureStore(redis, prefix).getMovieFeatures(
      [2],
      ["title", "movieGenre1", "releaseYear"],
    );
    expect(heat).toEqual({ title: "Heat, The (1995)", movieGenre1: "Action", releaseYear: "1995" });
  });

  it("wren features status lists both kept versions; rollback makes the earlier one live", async () => {
    const store = new FeatureStore(redis, prefix);
    const [newest, older] = await store.listVersions();
    expect(newest.current).toBe(true);
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
      lines.push(a.join(" "));
    });
    try {
      const run = async (...args: string[]) => {
        const program = new Command().exitOverride();
        registerFeatureCommands(program);
        await program.parseAsync(["node", "wren", "features", ...args, "--prefix", prefix]);
      };
      await run("status");
      expect(lines.some((l) => l.startsWith("*") && l.includes(newest.version))).toBe(true);
      expect(lines.some((l) => l.includes(older.version))).toBe(true);
      await run("rollback");
      expect(lines.at(-1)).toBe(`live feature version: ${older.version} (was ${newest.version})`);
      expect(await store.currentVersion()).toBe(older.version);
    } finally {
      spy.mockRestore();
    }
  });

  it("wren train --model two-tower writes tt-user / tt-item, and wren features load serves them", async () => {
    const features = join(root, "features");
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const program = new Command().exitOverride();
      registerTrainCommands(program);
      registerFeatureCommands(program);
      const wren = (...args: string[]) => program.parseAsync(["node", "wren", ...args]);
      await wren(
        "train",
        "--model",
        "two-tower",
        "--data",
        features,
        "--models-root",
        join(root, "models"),
        "--epochs",
        "1",
        "--quiet",
      );
      await wren("features", "load", "--features", features, "--prefix", prefix, "--quiet");
    } finally {
      spy.mockRestore();
    }
    const snap = await new FeatureStore(redis, prefix).snapshot();
    if (!snap) throw new Error("no live version after wren features load");
    const [users, items] = [await snap.getAllEmbeddings("tt-user"), await snap.getAllEmbeddings("tt-item")];
    // Every user and movie of the samples gets a vector, and both towers share one space (dot products).
    expect(users.size).toBe(150);
    expect(items.size).toBeGreaterThan(150);
    const [u] = users.values();
    const [m] = items.values();
    expect(u.length).toBeGreaterThan(1);
    expect(m).toHaveLength(u.length);
    expect([...u, ...m].every(Number.isFinite)).toBe(true);
  }, 120_000);
});
