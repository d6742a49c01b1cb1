import { join } from "node:path";
import { ratingTopology } from "@wren/contracts";
import { connectNats, deleteRatingStreams } from "@wren/nearline-worker/publisher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type TestProcess, tsProcess } from "../../gateway/test/harness/processes.js";
import { Stack } from "../../gateway/test/harness/stack.js";
import { NATS_URL, REDIS_URL, USER_6_AFTER_RATING_MOVIE_5, waitFor } from "./helpers.js";

interface Recs {
  items: { movieId: number }[];
  coldStart: boolean;
}

/**
 * The whole loop as separate processes: gateway → JetStream → nearline worker → Redis → recall, features
 * and ranking on the next request. Fixture user 6 rated movies 201–208 (Drama, 1980–1987) 4, 4.5, 4, …
 */
describe("a rating changes the next guess-you-like", () => {
  let stack: Stack;
  let worker: TestProcess;

  beforeAll(async () => {
    stack = await Stack.start({ redisUrl: REDIS_URL, env: { RECOMMENDATION_DEADLINE_MS: "2000" } });
    worker = tsProcess("nearline-worker", join(ROOT, "services/nearline-worker/src/main.ts"), [], {
      NATS_URL,
      REDIS_URL,
      WREN_SUBJECT_PREFIX: stack.subjectPrefix,
      FEATURE_STORE_PREFIX: stack.fixture.prefix,
      PORT: "0",
      LOG_LEVEL: "warn",
    }).start();
  }, 180_000);

  afterAll(async () => {
    await worker?.kill("SIGTERM");
    await stack?.stop();
    const nc = await connectNats(NATS_URL, "nearline-worker-test");
    await deleteRatingStreams(nc, ratingTopology(stack?.subjectPrefix));
    await nc.close();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const recommended = async (userId: number) => {
    const { body } = await stack.get(`/api/users/${userId}/recommendations?size=100`);
    return (body as Recs).items.map((i) => i.movieId);
  };

  it("the rated movie leaves the list and the user features move as computed by hand", async () => {
    expect(await recommended(6)).toContain(5);
    const { status, body } = await post("/api/users/6/ratings", {
      movieId: 5,
      rating: 5,
      timestamp: 2_000_000,
    });
    expect(status).toBe(202);
    expect(body).toMatchObject({
      status: "accepted",
      duplicate: false,
      rating: { userId: 6, movieId: 5, score: 5 },
    });
    expect(body.seq).toBeGreaterThan(0);
    await waitFor("movie 5 gone from user 6's list", async () => !(await recommended(6)).includes(5), 10_000);
    const features = await stack.redis.hgetall(`${stack.fixture.prefix}:v:${stack.fixture.version}:uf:6`);
    expect(features).toEqual(USER_6_AFTER_RATING_MOVIE_5);
    // The user page shows the new rating first.
    const user = (await stack.get("/api/users/6")).body as {
      ratingCount: number;
      ratings: { movieId: number }[];
    };
    expect(user.ratingCount).toBe(9);
    expect(user.ratings[0].movieId).toBe(5);
  });

  it("a new user's ratings end the cold start", async () => {
    expect(((await stack.get("/api/users/900/recommendations?size=10")).body as Recs).coldStart).toBe(true);
    for (const [i, m] of [101, 102, 103, 104, 105].entries()) {
      expect(
        (await post("/api/users/900/ratings", { movieId: m, rating: 4.5, timestamp: 2_000_000 + i })).status,
      ).toBe(202);
    }
    await waitFor(
      "user 900 out of cold start",
      async () => {
        const recs = (await stack.get("/api/users/900/recommendations?size=10")).body as Recs;
        return !recs.coldStart && recs.items.every((r) => ![101, 102, 103, 104, 105].includes(r.movieId));
      },
      10_000,
    );
  });

  it("a retried POST with the same Idempotency-Key is stored once", async () => {
    const key = { "idempotency-key": "rate-7-6-once" };
    const first = await post("/api/users/7/ratings", { movieId: 6, rating: 3 }, key);
    const again = await post("/api/users/7/ratings", { movieId: 6, rating: 3 }, key);
    expect(first.status).toBe(202);
    expect(again).toMatchObject({
      status: 202,
      body: { duplicate: true, seq: first.body.seq, eventId: "rate-7-6-once" },
    });
  });

  it("rejects bad ratings with 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ movieId: 5, rating: 7 }, "rating"],
      [{ movieId: 5, rating: 3.3 }, "rating"],
      [{ movieId: 5, rating: "four" }, "rating"],
      [{ rating: 4 }, "movieId"],
      [{ movieId: 99_999, rating: 4 }, "movieId"],
      [{ movieId: 5, rating: 4, timestamp: -1 }, "timestamp"],
    ];
    for (const [body, parameter] of cases) {
      const res = await post("/api/users/6/ratings", body);
      expect(res, JSON.stringify(body)).toMatchObject({ status: 400, body: { parameter } });
    }
    expect((await post("/api/users/0/ratings", { movieId: 5, rating: 4 })).body).toMatchObject({
      parameter: "userId",
    });
  });
});
