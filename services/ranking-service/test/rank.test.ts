import { channelMask, WrenError } from "@wren/contracts";
import { neuralCfScore } from "@wren/onnx/testing";
import { TfServingClient } from "@wren/tfserving-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planFeatures, type RankPorts, rankCandidates, sortByScore, tfServingPorts } from "../src/index.js";
import { type ModelServerFixture, startNeuralCfServer } from "./model-server-fixture.js";

let ms: ModelServerFixture;
let client: TfServingClient;
let rest: Pick<RankPorts, "model" | "predict">;
const movieIds = Array.from({ length: 800 }, (_, i) => i + 1);
const channelMasks = movieIds.map(() => channelMask(["popular"]));
const noFeatures: RankPorts["features"] = () => {
  throw new Error("neuralcf needs ids only: the feature hop must be skipped");
};

beforeAll(async () => {
  ms = await startNeuralCfServer();
  client = new TfServingClient({ protocol: "rest", restUrl: ms.url, connections: 2 });
  rest = tfServingPorts(client);
});
afterAll(async () => {
  await client.close();
  await ms.close();
});

describe("ranking against our model server (TF Serving REST)", () => {
  it("reads the model's inputs and version from metadata; unknown model is a 400 naming it", async () => {
    const m = await rest.model("neuralcf", 1000);
    expect(m).toEqual({
      name: "neuralcf",
      version: 1,
      inputs: expect.arrayContaining(["userId", "movieId"]),
    });
    const err = (await rest.model("nope", 1000).catch((e: unknown) => e)) as WrenError;
    expect(err).toBeInstanceOf(WrenError);
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/model: unknown model "nope"/);
  });

  it("scores 800 candidates in one predict, sorted by the model's own scores, accepting `nerualcf`", async () => {
    let predicts = 0;
    const ports: RankPorts = {
      model: (n, b) => rest.model(n, b),
      predict: (m, i, b) => {
        predicts++;
        return rest.predict(m, i, b);
      },
      features: noFeatures,
    };
    const res = await rankCandidates(
      { userId: 17, movieIds, channelMasks, model: "nerualcf" },
      ports,
      Date.now() + 2000,
    );
    expect(predicts).toBe(1);
    expect(res).toMatchObject({ model: "neuralcf", modelVersion: 1, degraded: false });
    expect(new Set(res.movieIds)).toEqual(new Set(movieIds));
    for (let i = 1; i < res.scores.length; i++)
      expect(res.scores[i - 1]).toBeGreaterThanOrEqual(res.scores[i]);
    const expected = neuralCfScore(ms.weights, 17, res.movieIds[0]);
    expect(res.scores[0]).toBeCloseTo(expected, 4);
  });

  it("keeps only the best `limit` in the same order as the full sort, ties in recall order", () => {
    const n = 300;
    const ids = Array.from({ length: n }, (_, i) => 1000 + i);
    const masks = ids.map((_, i) => i % 7);
    const scores = ids.map((_, i) => Math.round(Math.abs(Math.sin(i * 1.7)) * 40) / 40); // many ties
    const full = sortByScore(ids, masks, scores);
    expect(full.movieIds).toHaveLength(n);
    for (let i = 1; i < n; i++) {
      const [a, b] = [full.scores[i - 1], full.scores[i]];
      expect(a > b || (a === b && full.movieIds[i - 1] < full.movieIds[i])).toBe(true);
    }
    for (const k of [1, 5, 20, 299, 300, 500]) {
      const top = sortByScore(ids, masks, scores, k);
      expect(top.movieIds).toEqual(full.movieIds.slice(0, k));
      expect(top.channelMasks).toEqual(full.channelMasks.slice(0, k));
      expect(top.scores).toEqual(full.scores.slice(0, k));
    }
  });

  it("fetches exactly the features a signature names", () => {
    expect(planFeatures(["userId", "movieId", "movieAvgRating", "userGenre1", "releaseYear"])).toEqual({
      userFields: ["userGenre1"],
      movieFields: ["movieAvgRating", "releaseYear"],
    });
    expect(() => planFeatures(["mystery"])).toThrow(/"mystery"/);
  });

  it("answers the recall order, degraded, within the deadline when the predict is too slow", async () => {
    const ports: RankPorts = {
      model: async () => ({ name: "neuralcf", version: 3, inputs: ["userId", "movieId"] }),
      predict: (_m, _i, budget) =>
        new Promise((_, reject) =>
          setTimeout(() => reject(Object.assign(new Error("t"), { name: "TimeoutError" })), budget),
        ),
      features: noFeatures,
    };
    const t0 = Date.now();
    const res = await rankCandidates(
      { userId: 1, movieIds, channelMasks, model: "neuralcf" },
      ports,
      t0 + 100,
    );
    // 100 ms deadline; the slack covers timer lateness on a shared 2-core machine.
    expect(Date.now() - t0).toBeLessThan(150);
    expect(res).toMatchObject({ degraded: true, degradedReason: "model-server-deadline", modelVersion: 3 });
    expect(res.movieIds).toEqual(movieIds);
    expect(res.scores).toEqual([]);
  });

  it("degrades with a reason when the model server is down", async () => {
    const downClient = new TfServingClient({
      protocol: "rest",
      restUrl: "http://127.0.0.1:9",
      metadataTtlMs: 0,
    });
    const ports: RankPorts = { ...tfServingPorts(downClient), features: noFeatures };
    const res = await rankCandidates(
      { userId: 1, movieIds, channelMasks, model: "neuralcf" },
      ports,
      Date.now() + 500,
    );
    expect(res).toMatchObject({
      degraded: true,
      degradedReason: "model-server-unavailable",
      modelVersion: null,
    });
    expect(res.movieIds).toEqual(movieIds);
    await downClient.close();
  });
});
