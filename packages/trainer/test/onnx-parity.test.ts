import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { ColumnData } from "../src/data.js";
import type { Model } from "../src/model.js";
import { deepFmSpec } from "../src/models/deepfm.js";
import { embeddingMlpSpec } from "../src/models/embedding-mlp.js";
import { neuralCfSpec } from "../src/models/neuralcf.js";
import { twoTowerSpec } from "../src/models/two-tower.js";
import { wideDeepSpec } from "../src/models/wide-deep.js";
import { predict } from "../src/predict.js";
import { createModel } from "../src/registry.js";
import { randomRows, testEncoding } from "./fixtures.js";

async function onnxScores(model: Model, data: ColumnData): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model.toOnnx());
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of model.inputs()) {
    feeds[i.name] =
      i.dtype === "int32"
        ? new ort.Tensor("int32", data.ints[i.name], [data.rows])
        : new ort.Tensor("float32", data.floats[i.name], [data.rows]);
  }
  const out = await session.run(feeds);
  const t = out[model.def.outputAlias];
  expect(t.dims).toEqual([data.rows, 1]);
  return t.data as Float32Array;
}

const specs = [
  neuralCfSpec(300, 200),
  embeddingMlpSpec(testEncoding),
  wideDeepSpec(testEncoding, { crossBuckets: 997 }),
  deepFmSpec(testEncoding),
  twoTowerSpec(testEncoding),
];

describe("ONNX export matches the trainer's forward pass", () => {
  for (const spec of specs) {
    it(`${spec.kind}: onnxruntime equals the trainer within 1e-5 on 1,000 random rows`, async () => {
      const model = createModel(spec);
      model.store.initialise(7);
      // Random init leaves every score near 0.5; scale the weights up so the comparison covers the whole (0, 1).
      for (let i = 0; i < model.store.total; i++) model.store.weights[i] *= 30;
      const data = randomRows(model, 1000, 11);
      const ours = predict(model, data);
      const theirs = await onnxScores(model, data);
      let maxDiff = 0;
      for (let i = 0; i < data.rows; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      // The scores must actually spread, or the comparison proves little.
      expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(0.5);
    });
  }
});
