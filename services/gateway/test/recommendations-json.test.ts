import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import type { MovieSummary } from "../src/domain/types.js";
import type { RecommendOutcome } from "../src/routes/context.js";
import { recommendationsJson } from "../src/routes/recommendations-json.js";
import { Recommendations } from "../src/schemas.js";

/** What fastify's schema serializer writes for the same outcome (the route's body before the hand-written one). */
async function schemaSerialized(userId: number, { result, experiment }: RecommendOutcome): Promise<string> {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.get("/", { schema: { response: { 200: Recommendations } } }, async () => ({
    userId,
    model: result.model,
    version: result.version,
    degraded: result.degraded,
    degradedReasons: result.degradedReasons,
    coldStart: result.coldStart,
    experiment,
    items: result.items.map((r) => ({ ...r.movie, score: r.score, why: r.channels })),
  }));
  const body = (await app.inject("/")).body;
  await app.close();
  return body;
}

const movie = (movieId: number, over: Partial<MovieSummary> = {}): MovieSummary => ({
  movieId,
  title: `Movie ${movieId} (1999)`,
  releaseYear: 1999,
  genres: ["Drama", "Sci-Fi"],
  imdbId: "0133093",
  tmdbId: "603",
  ratingNumber: 1234,
  averageRating: 4.1234567,
  ...over,
});

const awkward: MovieSummary[] = [
  movie(1, { title: 'Say "Hello", \\World\\ (2001)', releaseYear: null, genres: [] }),
  movie(2, { title: "Amélie – 東京 🎬 (2001)\n\t\u0001", averageRating: 0 }),
  movie(3, { title: "x".repeat(200), ratingNumber: 0, averageRating: 1e-7, genres: ["(no genres listed)"] }),
  movie(4, { title: "lone \ud800 surrogate", imdbId: "", tmdbId: "", averageRating: -2.5e21 }),
];

const cases: Array<[string, number, RecommendOutcome]> = [
  [
    "a ranked list in an experiment",
    42,
    {
      result: {
        items: awkward.map((m, i) => ({ movie: m, score: 0.9 - i / 7, channels: ["popular", "i2v"] })),
        model: "neuralcf",
        version: 3,
        degraded: false,
        degradedReasons: [],
        coldStart: false,
      },
      experiment: { name: "ranker-ab", variant: 'b "quoted"' },
    },
  ],
  [
    "a degraded, unranked cold start",
    7,
    {
      result: {
        items: [movie(5), movie(6, { releaseYear: null })].map((m) => ({
          movie: m,
          score: null,
          channels: [],
        })),
        model: null,
        version: null,
        degraded: true,
        degradedReasons: ["ranking-timeout", "recall-unavailable"],
        coldStart: true,
      },
      experiment: null,
    },
  ],
  [
    "an empty list",
    1,
    {
      result: {
        items: [],
        model: "deepfm",
        version: 1,
        degraded: false,
        degradedReasons: [],
        coldStart: false,
      },
      experiment: null,
    },
  ],
];

describe("recommendationsJson", () => {
  it.each(cases)("writes what the schema serializer writes: %s", async (_, userId, outcome) => {
    expect(recommendationsJson(userId, outcome)).toBe(await schemaSerialized(userId, outcome));
  });

  it("gives the same text again from its per-movie cache, and leaves out fields the schema lacks", () => {
    const [, userId, outcome] = cases[0];
    const first = recommendationsJson(userId, outcome);
    expect(recommendationsJson(userId, outcome)).toBe(first);
    const withExtra = { ...outcome.result.items[0].movie, topRatings: [] } as MovieSummary;
    const one = recommendationsJson(userId, {
      ...outcome,
      result: { ...outcome.result, items: [{ movie: withExtra, score: 1, channels: [] }] },
    });
    expect(JSON.parse(one).items[0]).not.toHaveProperty("topRatings");
  });
});
