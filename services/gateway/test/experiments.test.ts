import { describe, expect, it } from "vitest";
import {
  assignVariant,
  bucketOf,
  chooseModel,
  type Experiment,
  normaliseModelName,
  parseExperimentsConfig,
} from "../src/domain/experiments.js";

const exp: Experiment = {
  name: "ranker",
  salt: "s1",
  forced: false,
  variants: [
    { name: "control", model: "neuralcf", weight: 70 },
    { name: "treatment", model: "deepfm", weight: 30 },
  ],
};

describe("experiments", () => {
  it("assigns each user a stable variant, in proportion to the weights", () => {
    const counts = { control: 0, treatment: 0 };
    for (let u = 1; u <= 20_000; u++) {
      const v = assignVariant(exp, u);
      expect(assignVariant(exp, u).name).toBe(v.name);
      counts[v.name as keyof typeof counts]++;
    }
    expect(counts.control / 20_000).toBeGreaterThan(0.68);
    expect(counts.control / 20_000).toBeLessThan(0.72);
  });

  it("reshuffles users when the salt changes", () => {
    let moved = 0;
    for (let u = 1; u <= 1000; u++) if (bucketOf("s1", u) < 0.5 !== bucketOf("s2", u) < 0.5) moved++;
    expect(moved).toBeGreaterThan(400);
    expect(moved).toBeLessThan(600);
  });

  it("lets an explicit model win unless the experiment is forced", () => {
    const config = { active: exp };
    const assigned = assignVariant(exp, 42);
    const assignment = { experiment: "ranker", variant: assigned.name };
    expect(chooseModel(config, 42, undefined, "neuralcf")).toEqual({
      model: assigned.model,
      assignment,
      overridden: false,
    });
    expect(chooseModel(config, 42, "wide-deep", "neuralcf")).toEqual({
      model: "wide-deep",
      assignment,
      overridden: true,
    });
    const forced = { active: { ...exp, forced: true } };
    expect(chooseModel(forced, 42, "wide-deep", "neuralcf").model).toBe(assigned.model);
    expect(chooseModel({ active: null }, 42, "deepfm", "neuralcf")).toEqual({
      model: "deepfm",
      assignment: null,
      overridden: false,
    });
  });

  it("reads a config file and names the bad field", () => {
    const ok = parseExperimentsConfig(
      {
        experiments: [
          { ...exp, enabled: false },
          { ...exp, name: "b", variants: [{ name: "v", model: "NerualCF", weight: 1 }] },
        ],
      },
      "x.json",
    );
    expect(ok.active?.name).toBe("b");
    expect(ok.active?.variants[0]?.model).toBe("neuralcf");
    expect(() => parseExperimentsConfig({ experiments: [{ ...exp, salt: "" }] }, "x.json")).toThrow(
      "x.json: experiments[0].salt must be a non-empty string",
    );
    expect(() =>
      parseExperimentsConfig(
        { experiments: [{ ...exp, variants: [{ name: "a", model: "m", weight: 0 }] }] },
        "x.json",
      ),
    ).toThrow("experiments[0].variants[0].weight must be a positive number");
    expect(() => parseExperimentsConfig({ experiments: [exp, { ...exp, name: "c" }] }, "x.json")).toThrow(
      "at most one may run",
    );
  });

  it("accepts the reference's misspelling of NeuralCF", () => {
    expect(normaliseModelName("nerualcf")).toBe("neuralcf");
    expect(normaliseModelName("NeuralCF")).toBe("neuralcf");
  });
});
