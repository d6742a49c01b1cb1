import { describe, expect, it } from "vitest";
import { allocateBatch } from "../src/batch.js";
import type { ColumnData } from "../src/data.js";
import { bceWithLogits, sigmoid } from "../src/graph.js";
import { Dense } from "../src/layers.js";
import type { Model } from "../src/model.js";
import { deepFmSpec } from "../src/models/deepfm.js";
import { embeddingMlpSpec } from "../src/models/embedding-mlp.js";
import { neuralCfSpec } from "../src/models/neuralcf.js";
import { twoTowerSpec } from "../src/models/two-tower.js";
import { wideDeepSpec } from "../src/models/wide-deep.js";
import { createModel } from "../src/registry.js";
import { Rng } from "../src/rng.js";
import { randomRows, testEncoding } from "./fixtures.js";

/**
 * Finite-difference gradient checks. Each model is a different composition of the layers (Embedding,
 * Numeric, Dense with and without ReLU, Concat, Multiply, Dot, Add, RowSum, FactorizationMachine) and the
 * loss, so checking every parameter kind of every model checks every layer's backward pass.
 * The loss is accumulated in float64; weights are float32, so a central difference with h = 3e-3 is
 * accurate enough for the tolerance below; probes that cross a ReLU kink are skipped.
 */
function batchOf(model: Model, data: ColumnData) {
  const batch = allocateBatch(model.intColumns(), model.floatColumns(), data.rows);
  batch.size = data.rows;
  for (const c of model.intColumns()) batch.ints[c].set(data.ints[c]);
  for (const c of model.floatColumns()) batch.floats[c].set(data.floats[c]);
  batch.labels.set(data.labels);
  return batch;
}

const specs = [
  neuralCfSpec(30, 40, { mlpLayers: [16, 8, 4], gmfDim: 4 }),
  embeddingMlpSpec(testEncoding, { hidden: [12, 6], embeddingDim: 4 }),
  wideDeepSpec(testEncoding, { hidden: [8], embeddingDim: 3, crossBuckets: 97 }),
  deepFmSpec(testEncoding, { hidden: [8], embeddingDim: 3 }),
  twoTowerSpec(testEncoding, { hidden: [8], embeddingDim: 4, dim: 5 }),
];

describe("gradients match finite differences", () => {
  for (const spec of specs) {
    it(`${spec.kind}: every parameter tensor`, () => {
      const model = createModel(spec);
      model.store.initialise(3);
      // Larger weights than the initialisers give, so activations and gradients are far from zero.
      for (let i = 0; i < model.store.total; i++) model.store.weights[i] *= 4;
      // 14 rows: not a multiple of the kernels' 4-row blocks, so the edge loops are checked too.
      const data = randomRows(model, 14, 5);
      const batch = batchOf(model, data);
      const { graph } = model.build(batch.size);
      graph.backward(batch);
      const analytic = graph.gradients();
      const w = model.store.weights;
      // Which ReLUs are active: a finite difference across a ReLU kink measures neither side's slope,
      // so such (rare) probes are skipped rather than compared.
      const relus = graph.layers.filter((l): l is Dense => l instanceof Dense && l.relu);
      const pattern = () => {
        let h = 0;
        for (const l of relus)
          for (let k = 0; k < batch.size * l.width; k++) if (l.out[k] > 0) h = (h * 31 + k + 1) % 1e9;
        return h;
      };
      graph.forward(batch);
      const basePattern = pattern();
      let skipped = 0;
      const meanLoss = () => {
        graph.forward(batch);
        let s = 0;
        for (let b = 0; b < batch.size; b++) s += bceWithLogits(graph.logit.out[b], batch.labels[b]);
        return s / batch.size;
      };
      const rng = new Rng(9);
      let checked = 0;
      for (const p of model.store.layout) {
        // The rows this batch touches (embeddings) or random entries (dense): up to 12 per tensor.
        const idx: number[] = [];
        for (let k = 0; k < p.size && idx.length < 12; k++) if (analytic[p.offset + k] !== 0) idx.push(k);
        if (!p.sparse) for (let k = 0; k < 4; k++) idx.push(rng.int(p.size));
        expect(idx.length, `${p.name} gets no gradient`).toBeGreaterThan(0);
        for (const k of idx) {
          const i = p.offset + k;
          const h = 3e-3;
          const orig = w[i];
          w[i] = orig + h;
          const up = meanLoss();
          const upPattern = pattern();
          w[i] = orig - h;
          const down = meanLoss();
          const downPattern = pattern();
          w[i] = orig;
          if (upPattern !== basePattern || downPattern !== basePattern) {
            skipped++;
            continue;
          }
          const numeric = (up - down) / ((orig + h - (orig - h)) as number);
          const a = analytic[i];
          expect(Math.abs(a - numeric), `${p.name}[${k}]: analytic ${a}, numeric ${numeric}`).toBeLessThan(
            2e-3 + 2e-2 * Math.max(Math.abs(a), Math.abs(numeric)),
          );
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(model.store.layout.length);
      expect(skipped).toBeLessThan(checked / 3);
    });
  }
});

describe("binary cross-entropy from logits", () => {
  it("equals -y·log σ(z) - (1-y)·log(1-σ(z)) in float64 and its derivative is σ(z) - y", () => {
    for (const z of [-8, -2.5, -0.3, 0, 0.7, 3, 9]) {
      for (const y of [0, 1]) {
        const p = 1 / (1 + Math.exp(-z));
        const reference = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        expect(bceWithLogits(z, y)).toBeCloseTo(reference, 9);
        const h = 1e-6;
        const numeric = (bceWithLogits(z + h, y) - bceWithLogits(z - h, y)) / (2 * h);
        expect(numeric).toBeCloseTo(sigmoid(z) - y, 6);
      }
    }
  });

  it("stays finite for extreme logits, where the naive formula gives Infinity or NaN", () => {
    expect(bceWithLogits(1000, 0)).toBeCloseTo(1000, 6);
    expect(bceWithLogits(-1000, 1)).toBeCloseTo(1000, 6);
    expect(bceWithLogits(1000, 1)).toBe(0);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});
