import type { ColumnData } from "../src/data.js";
import type { Model } from "../src/model.js";
import { type FeatureEncoding, NUMERIC_FEATURES } from "../src/models/features.js";
import { Rng } from "../src/rng.js";

/** A small feature encoding for model tests. */
export const testEncoding: FeatureEncoding = {
  movies: 400,
  users: 300,
  genres: ["", "Action", "Comedy", "Drama", "Sci-Fi"],
  numeric: Object.fromEntries(NUMERIC_FEATURES.map((f, i) => [f, { mean: 3 * i - 5, std: 20 + i }])),
};

/** Random rows within each input's valid range (numeric inputs spread over several std devs), random labels. */
export function randomRows(model: Model, n: number, seed: number): ColumnData {
  const rng = new Rng(seed);
  const data: ColumnData = { rows: n, ints: {}, floats: {}, labels: new Float32Array(n) };
  for (const input of model.inputs()) {
    if (input.dtype === "int32") {
      const r = input.range ?? { min: 0, max: 100 };
      data.ints[input.name] = Int32Array.from({ length: n }, () => r.min + rng.int(r.max - r.min + 1));
    } else {
      data.floats[input.name] = Float32Array.from({ length: n }, () => 50 * rng.normal());
    }
  }
  for (let i = 0; i < n; i++) data.labels[i] = rng.next() < 0.4 ? 1 : 0;
  model.derive(data);
  return data;
}
