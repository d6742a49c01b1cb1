import { allocateBatch } from "./batch.js";
import type { ColumnData } from "./data.js";
import type { Model } from "./model.js";

/** Probabilities of every row of `data` (derived columns are added to `data` first). */
export function predict(model: Model, data: ColumnData, batchSize = 1024): Float32Array {
  model.derive(data);
  const ints = model.intColumns();
  const floats = model.floatColumns();
  for (const c of ints) if (!data.ints[c]) throw new Error(`${model.kind} needs integer column "${c}"`);
  for (const c of floats) if (!data.floats[c]) throw new Error(`${model.kind} needs numeric column "${c}"`);
  const { graph } = model.build(batchSize);
  const batch = allocateBatch(ints, floats, batchSize);
  const out = new Float32Array(data.rows);
  for (let start = 0; start < data.rows; start += batchSize) {
    const n = Math.min(batchSize, data.rows - start);
    batch.size = n;
    for (const c of ints) batch.ints[c].set(data.ints[c].subarray(start, start + n));
    for (const c of floats) batch.floats[c].set(data.floats[c].subarray(start, start + n));
    graph.predict(batch, out.subarray(start, start + n));
  }
  return out;
}
