import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitUntil } from "./harness/processes.js";
import { PrivateRedis } from "./harness/redis-server.js";
import { Stack } from "./harness/stack.js";

/**
 * The gateway against the real services as separate processes: real NATS, a private Redis (this file
 * stops it), the real model server. Failure cases run last, in the order they break things.
 */
interface Item {
  movieId: number;
  title: string;
  genres: string[];
  score: number | null;
  why: string[];
}
interface Recs {
  userId: number;
  model: string | null;
  version: number | null;
  degraded: boolean;
  degradedReasons: string[];
  coldStart: boolean;
  items: Item[];
}

// Generous: the CI machine has 2 cores shared by every process of the stack and the test itself.
const DEADLINE_MS = 2000;
/** Fixture: user u rated movies g*100+1 … g*100+8 of genre g = u % 4 (user 1: only two). */
const rated = (u: number) =>
  new Set(Array.from({ length: u === 1 ? 2 : 8 }, (_, i) => (u % 4) * 100 + i + 1));

describe("gateway over the real online services", () => {
  let redis: PrivateRedis;
  let stack: Stack;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stack = await Stack.start({
      redisUrl: redis.url,
      rankingReplicas: 2,
      env: { RECOMMENDATION_DEADLINE_MS: String(DEADLINE_MS) },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  it("ranks a known user's unseen movies by score, honouring size, with channels and real movies", async () => {
    const { status, body } = await stack.get("/api/users/6/recommendations?size=10");
    expect(status).toBe(200);
    const recs = body as Recs;
    expect(recs).toMatchObject({
      userId: 6,
      model: "neuralcf",
      version: 1,
      degraded: false,
      coldStart: false,
    });
    expect(recs.items).toHaveLength(10);
    const scores = recs.items.map((i) => i.score as number);
    expect(scores.every((s) => typeof s === "number")).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const item of recs.items) {
      expect(rated(6).has(item.movieId)).toBe(false);
      expect(item.why.length).toBeGreaterThan(0);
      expect(item.title).toMatch(/^Movie \d+/);
      expect((await stack.get(`/api/movies/${item.movieId}`)).status).toBe(200);
    }
    const three = (await stack.get("/api/users/6/recommendations?size=3")).body as Recs;
    expect(three.items).toHaveLength(3);
  });

  it("answers an unknown user with a cold-start list", async () => {
    const { status, body } = await stack.get("/api/users/4242/recommendations?size=5");
    expect(status).toBe(200);
    expect((body as Recs).coldStart).toBe(true);
    expect((body as Recs).items).toHaveLength(5);
  });

  it.each([
    ["/api/users/abc/recommendations", "userId"],
    ["/api/users/-1/recommendations", "userId"],
    ["/api/users/99999999999/recommendations", "userId"],
    ["/api/users/6/recommendations?size=0", "size"],
    ["/api/users/6/recommendations?size=10000", "size"],
    ["/api/users/6/recommendations?model=nosuch", "model"],
    ["/api/genres/Western/movies", "genre"],
    ["/getrecforyou?size=5", "id"],
  ])("%s → 400 naming %s", async (path, parameter) => {
    const { status, body } = await stack.get(path);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "bad_request", parameter });
  });

  it("serves the reference's routes and shapes from the real catalogue", async () => {
    const recs = (await stack.get("/getrecforyou?id=6&size=5&model=nerualcf")).body as Array<
      Record<string, unknown>
    >;
    expect(recs).toHaveLength(5);
    expect(Object.keys(recs[0] ?? {}).sort()).toEqual(
      [
        "averageRating",
        "genres",
        "imdbId",
        "movieId",
        "ratingNumber",
        "releaseYear",
        "title",
        "tmdbId",
        "topRatings",
      ].sort(),
    );
    const user = (await stack.get("/getuser?id=6")).body as {
      ratings: Array<{ rating: { movieId: number } }>;
    };
    expect(new Set(user.ratings.map((r) => r.rating.movieId))).toEqual(rated(6));
    const drama = (await stack.get("/getrecommendation?genre=Drama&size=5&sortby=rating")).body as Array<{
      genres: string[];
      averageRating: number;
    }>;
    expect(drama).toHaveLength(5);
    expect(drama.every((m) => m.genres.includes("Drama"))).toBe(true);
    const avgs = drama.map((m) => m.averageRating);
    expect(avgs).toEqual([...avgs].sort((a, b) => b - a));
  });

  it("loses no request when one of two ranking replicas is killed under steady load", async () => {
    const results: number[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const user = 2 + ((w * 7 + i) % 39);
        const res = await fetch(`${stack.gatewayUrl}/api/users/${user}/recommendations?size=10`);
        await res.arrayBuffer();
        results.push(res.status);
      }
    };
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    await sleep(1500);
    await stack.process("ranking-service#1").kill("SIGKILL");
    await sleep(2000);
    running = false;
    await Promise.all(workers);
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((s) => s !== 200)).toEqual([]);
    expect(stack.process("ranking-service#2").running).toBe(true);
  });

  it("answers degraded, not hanging, while Redis is down, and recovers when it returns", async () => {
    await redis.stop();
    const down = await stack.get("/api/users/6/recommendations?size=5");
    expect(down.ms).toBeLessThan(DEADLINE_MS + 700);
    expect(down.status).toBe(200);
    expect((down.body as Recs).degraded).toBe(true);
    await redis.resume();
    await waitUntil(
      "an undegraded answer after Redis returned",
      async () => {
        const r = await stack.get("/api/users/6/recommendations?size=5");
        return r.status === 200 && !(r.body as Recs).degraded;
      },
      20_000,
    );
  });

  it("answers 200 degraded within the deadline when the model server is down", async () => {
    await stack.process("model-server").kill("SIGKILL");
    const { status, body, ms } = await stack.get("/api/users/6/recommendations?size=5");
    expect(status).toBe(200);
    expect(ms).toBeLessThan(DEADLINE_MS + 700);
    const recs = body as Recs;
    expect(recs.degraded).toBe(true);
    expect(recs.degradedReasons.length).toBeGreaterThan(0);
    expect(recs.items).toHaveLength(5);
    expect(recs.items.every((i) => i.score === null && !rated(6).has(i.movieId))).toBe(true);
  });
});
