import { channelMask, WrenError } from "@wren/contracts";
import { expect, it } from "vitest";
import { type RecommendPorts, recommend } from "../src/index.js";

const options = { candidates: 800, recallBudgetMs: 50 };

it("keeps the top `size` of the ranked list with the recall tags and versions", async () => {
  const ports: RecommendPorts = {
    recall: async (req) => ({
      userId: req.userId,
      movieIds: [1, 2, 3],
      channelMasks: [1, 2, 4].map(() => channelMask(["i2v"])),
      coldStart: false,
      featureVersion: "v9",
    }),
    rank: async (req) => ({
      model: "neuralcf",
      modelVersion: 4,
      movieIds: [...req.movieIds].reverse(),
      channelMasks: req.channelMasks,
      scores: [0.9, 0.5, 0.1],
      degraded: false,
    }),
  };
  const res = await recommend({ userId: 3, model: "nerualcf", size: 2 }, ports, Date.now() + 200, options);
  expect(res).toMatchObject({
    movieIds: [3, 2],
    scores: [0.9, 0.5],
    modelVersion: 4,
    featureVersion: "v9",
    degraded: false,
  });
});

it("answers empty and degraded (not an error) when recall is unavailable; 400s pass through", async () => {
  const down: RecommendPorts = {
    recall: async () => {
      throw WrenError.unavailable("feature store unavailable");
    },
    rank: async () => {
      throw new Error("rank must not run without candidates");
    },
  };
  const res = await recommend({ userId: 3, model: "nerualcf", size: 2 }, down, Date.now() + 200, options);
  expect(res).toMatchObject({
    movieIds: [],
    degraded: true,
    degradedReasons: ["recall-unavailable"],
    model: "neuralcf",
  });
  const bad: RecommendPorts = {
    ...down,
    recall: async () => {
      throw WrenError.badRequest("userId: bad");
    },
  };
  await expect(
    recommend({ userId: 3, model: "neuralcf", size: 2 }, bad, Date.now() + 200, options),
  ).rejects.toThrow(/userId/);
});
