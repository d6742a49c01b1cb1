import { describe, expect, it } from "vitest";
import type { SampleTable } from "../src/eval/scorer.js";
import { neuralCfSpec } from "../src/models/neuralcf.js";
import { trainOnTables } from "../src/pipeline.js";
import { createModel } from "../src/registry.js";
import { encodeColumns, encodeTable } from "../src/samples.js";

function table(rows: Record<string, number[] | string[]>): SampleTable {
  const columns = new Map(
    Object.entries(rows).map(([k, v]) => [
      k,
      typeof v[0] === "string" ? (v as string[]) : Int32Array.from(v as number[]),
    ]),
  );
  return { size: Object.values(rows)[0].length, columns };
}

const good = table({ userId: [1, 2], movieId: [3, 4], rating: [4, 2], timestamp: [10, 20], label: [1, 0] });
const empty = table({ userId: [], movieId: [], rating: [], timestamp: [], label: [] });

describe("bad training input", () => {
  it("unknown model name lists the valid ones", async () => {
    await expect(trainOnTables("neumf", { train: good, test: good })).rejects.toThrow(
      'unknown model "neumf"; valid models: neuralcf, embedding-mlp, wide-deep, deepfm, two-tower',
    );
    expect(() => createModel({ kind: "neumf" as "neuralcf" })).toThrow(/valid models/);
  });

  it("empty samples", async () => {
    await expect(trainOnTables("neuralcf", { train: empty, test: good })).rejects.toThrow(
      "training samples are empty",
    );
    await expect(trainOnTables("neuralcf", { train: good, test: empty })).rejects.toThrow(
      "test samples are empty",
    );
  });

  it("mis-shaped samples: a missing feature column, a non-0/1 label, a non-integer id", () => {
    const model = createModel(neuralCfSpec(10, 10));
    expect(() => encodeTable(model, table({ userId: [1], label: [1] }))).toThrow(
      'samples have no column "movieId", which neuralcf needs',
    );
    expect(() => encodeTable(model, table({ userId: [1], movieId: [2], label: [3] }))).toThrow(
      "label at row 0 is 3, expected 0 or 1",
    );
    expect(() => encodeColumns(model, 1, (n) => (n === "userId" ? [1.5] : [2]))).toThrow(
      "userId at row 0 is 1.5, expected an integer id",
    );
  });

  it("ids beyond the embedding range", () => {
    const model = createModel(neuralCfSpec(10, 20));
    expect(() => encodeColumns(model, 2, (n) => (n === "userId" ? [3, 10] : [2, 5]))).toThrow(
      "samples: userId 10 at row 1 is outside the embedding range [0, 9] of neuralcf",
    );
    expect(() => encodeColumns(model, 1, (n) => (n === "userId" ? [3] : [-1]))).toThrow(
      /movieId -1 at row 0 is outside/,
    );
  });
});
