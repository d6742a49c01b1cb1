import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type GatewayOptions } from "../src/app.js";
import { BackendError } from "../src/domain/errors.js";
import { assignVariant, type Experiment } from "../src/domain/experiments.js";
import { FakeBackend, RecordingExposures } from "./fake-backend.js";

const experiment: Experiment = {
  name: "ranker",
  salt: "salt-1",
  forced: false,
  variants: [
    { name: "a", model: "neuralcf", weight: 1 },
    { name: "b", model: "deepfm", weight: 1 },
  ],
};

function options(overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    backend: new FakeBackend(),
    models: {
      list: async () => [
        { name: "neuralcf", versions: [{ version: 2, createdAt: null, metrics: { auc: 0.7 } }] },
        { name: "deepfm", versions: [{ version: 1, createdAt: "2026-11-29T00:00:00Z", metrics: {} }] },
      ],
    },
    exposures: new RecordingExposures(),
    readiness: async () => ({ ready: true, checks: { nats: "connected" } }),
    experiments: { active: null },
    defaultModel: "neuralcf",
    recommendationDeadlineMs: 200,
    rateLimitPerMinute: 1000,
    ...overrides,
  };
}

describe("gateway routes (fake backend)", () => {
  let app: FastifyInstance;
  let backend: FakeBackend;
  beforeAll(async () => {
    backend = new FakeBackend();
    app = await build(options({ backend }));
  });
  afterAll(() => app.close());

  it.each([
    ["/api/users/abc/recommendations", "userId"],
    ["/api/users/-3/recommendations", "userId"],
    ["/api/users/0/recommendations", "userId"],
    ["/api/users/1.5/recommendations", "userId"],
    ["/api/users/99999999999999999999/recommendations", "userId"],
    ["/api/users/7/recommendations?size=0", "size"],
    ["/api/users/7/recommendations?size=10000", "size"],
    ["/api/users/7/recommendations?size=ten", "size"],
    ["/api/users/7/recommendations?model=nosuchmodel", "model"],
    ["/api/movies/x", "movieId"],
    ["/api/movies/1/similar?size=0", "size"],
    ["/api/genres/Western/movies", "genre"],
    ["/api/genres/Comedy/movies?sort=title", "sort"],
    ["/api/genres/Comedy/movies?page=0", "page"],
    ["/getuser", "id"],
    ["/getuser?id=", "id"],
    ["/getmovie?id=-1", "id"],
    ["/getrecforyou?id=abc&size=5&model=emb", "id"],
    ["/getrecforyou?id=7&size=10000", "size"],
    ["/getsimilarmovie?size=3", "movieId"],
    ["/getrecommendation?genre=Nope&size=3", "genre"],
  ])("%s → 400 naming %s", async (url, parameter) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({ error: "bad_request", parameter });
    expect(body.message).toContain(parameter);
  });

  it("answers an unknown user with a cold-start list", async () => {
    const res = await app.inject("/api/users/424242/recommendations?size=2");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.coldStart).toBe(true);
    expect(body.items).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ movieId: 1, title: "Toy Story (1995)", why: ["popular"] });
  });

  it("passes size, the normalised model and the deadline to the backend", async () => {
    const res = await app.inject("/api/users/7/recommendations?size=2&model=nerualcf");
    expect(res.statusCode).toBe(200);
    expect(backend.calls.at(-1)).toEqual({ userId: 7, model: "neuralcf", size: 2, deadlineMs: 200 });
    expect(res.json()).toMatchObject({
      userId: 7,
      model: "neuralcf",
      version: 1,
      degraded: false,
      experiment: null,
    });
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });

  it("serves the reference's JSON shapes", async () => {
    const movie = (await app.inject("/getmovie?id=1")).json();
    expect(movie).toEqual({
      movieId: 1,
      title: "Toy Story (1995)",
      releaseYear: 1995,
      imdbId: "0114709",
      tmdbId: "862",
      genres: ["Animation", "Comedy"],
      ratingNumber: 3,
      averageRating: 4.5,
      topRatings: [{ rating: { movieId: 1, userId: 7, score: 5, timestamp: 100 } }],
    });
    const user = (await app.inject("/getuser?id=7")).json();
    expect(user).toEqual({
      userId: 7,
      averageRating: 5,
      highestRating: 5,
      lowestRating: 5,
      ratingCount: 1,
      ratings: [{ rating: { movieId: 1, userId: 7, score: 5, timestamp: 100 } }],
    });
    const untitled = (await app.inject("/getsimilarmovie?movieId=1&size=5&model=emb")).json();
    expect(untitled.find((m: { movieId: number }) => m.movieId === 4).releaseYear).toBe(0);
    const recs = await app.inject("/getrecforyou?id=7&size=2&model=nerualcf");
    expect(recs.statusCode).toBe(200);
    expect(recs.json().map((m: { movieId: number }) => m.movieId)).toEqual([2, 3]);
    expect(backend.calls.at(-1)?.model).toBe("neuralcf");
    await app.inject("/getrecforyou?id=7&size=2&model=emb");
    expect(backend.calls.at(-1)?.model).toBe("neuralcf");
    const genre = (await app.inject("/getrecommendation?genre=comedy&size=5&sortby=rating")).json();
    expect(genre.map((m: { movieId: number }) => m.movieId)).toEqual([1, 4]);
  });

  it("pages a genre sorted by release year", async () => {
    const res = await app.inject("/api/genres/comedy/movies?sort=releaseYear&pageSize=1&page=2");
    expect(res.json()).toMatchObject({
      genre: "Comedy",
      page: 2,
      pageSize: 1,
      total: 2,
      movies: [{ movieId: 4 }],
    });
  });

  it("answers 404 naming the parameter for an unknown movie or user", async () => {
    expect((await app.inject("/api/movies/999")).json()).toMatchObject({
      error: "not_found",
      parameter: "movieId",
    });
    expect((await app.inject("/api/users/999")).statusCode).toBe(404);
  });

  it("serves the pages with a same-origin-only content security policy", async () => {
    for (const path of [
      "/",
      "/user.html",
      "/movie.html",
      "/genre.html",
      "/models.html",
      "/app.js",
      "/style.css",
    ]) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    }
    const index = (await app.inject("/")).body;
    expect(index).not.toMatch(/https?:\/\//);
    const redirect = await app.inject("/collection.html?type=genre&value=Action");
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe("/genre.html?genre=Action");
  });

  it("serves the user page data, OpenAPI at /docs, and Prometheus metrics", async () => {
    const user = (await app.inject("/api/users/7")).json();
    expect(user.ratings[0].movie.title).toBe("Toy Story (1995)");
    expect(user.favouriteGenres).toEqual([{ genre: "Comedy", count: 1 }]);
    const spec = (await app.inject("/docs/json")).json();
    expect(Object.keys(spec.paths)).toContain("/api/users/{userId}/recommendations");
    expect((await app.inject("/docs")).statusCode).toBeLessThan(400);
    const models = (await app.inject("/api/models")).json();
    expect(models.models.map((m: { name: string }) => m.name)).toEqual(["neuralcf", "deepfm"]);
    expect(models.models[0].versions).toEqual([{ version: 2, createdAt: null, metrics: { auc: 0.7 } }]);
    const metrics = (await app.inject("/metrics")).body;
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/api\/users\/:userId\/recommendations",status="400"\} \d+/,
    );
  });
});

describe("gateway failures and experiments", () => {
  it("maps no responders to 503 and timeout to 504 without leaking details", async () => {
    const backend = new FakeBackend();
    const app = await build(options({ backend }));
    backend.failWith = new BackendError("no-responders", "no responders on wren.secret.subject");
    const r1 = await app.inject("/api/users/7/recommendations");
    expect(r1.statusCode).toBe(503);
    expect(r1.body).not.toContain("wren.secret");
    backend.failWith = new BackendError("timeout", "wren.secret.subject timed out");
    expect((await app.inject("/api/users/7")).statusCode).toBe(504);
    backend.failWith = new Error("boom at /secret/path");
    const r3 = await app.inject("/api/users/7");
    expect(r3.statusCode).toBe(500);
    expect(r3.json()).toEqual({ error: "internal", message: "internal error" });
    await app.close();
  });

  it("assigns the variant's model, logs the exposure, and lets an explicit model win unless forced", async () => {
    const backend = new FakeBackend();
    const exposures = new RecordingExposures();
    const app = await build(options({ backend, exposures, experiments: { active: experiment } }));
    const variant = assignVariant(experiment, 7);
    const body = (await app.inject("/api/users/7/recommendations")).json();
    expect(body.experiment).toEqual({ name: "ranker", variant: variant.name });
    expect(backend.calls.at(-1)?.model).toBe(variant.model);
    expect(exposures.events).toMatchObject([
      { experiment: "ranker", variant: variant.name, userId: 7, overridden: false, modelVersion: 1 },
    ]);
    expect(exposures.events[0]?.movieIds).toEqual(body.items.map((m: { movieId: number }) => m.movieId));
    const explicit = (await app.inject("/api/users/7/recommendations?model=deepfm")).json();
    expect(explicit.experiment).toBeNull();
    expect(backend.calls.at(-1)?.model).toBe("deepfm");
    expect(exposures.events[1]).toMatchObject({ variant: variant.name, model: "deepfm", overridden: true });
    await app.close();

    const forcedApp = await build(
      options({ backend, exposures, experiments: { active: { ...experiment, forced: true } } }),
    );
    const forced = (await forcedApp.inject("/api/users/7/recommendations?model=deepfm")).json();
    expect(forced.experiment).toEqual({ name: "ranker", variant: variant.name });
    expect(backend.calls.at(-1)?.model).toBe(variant.model);
    await forcedApp.close();
  });

  it("rate-limits per client and answers 429 as JSON", async () => {
    const app = await build(options({ rateLimitPerMinute: 3 }));
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject("/api/models")).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    await app.close();
  });

  it("reports readiness from its dependencies", async () => {
    const app = await build(
      options({ readiness: async () => ({ ready: false, checks: { nats: "disconnected" } }) }),
    );
    const res = await app.inject("/readyz");
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: "not ready", checks: { nats: "disconnected" } });
    await app.close();
  });
});
