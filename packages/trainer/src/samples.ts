import type { ColumnData } from "./data.js";
import type { SampleTable } from "./eval/scorer.js";
import type { Model } from "./model.js";

/**
 * Converts sample columns (as the evaluation's loadSamples reads them: ids as numbers, genres as strings)
 * into the model's batch columns: int32 inputs as Int32Array — strings mapped through the model's
 * vocabulary, unknown or empty values to id 0 — numeric inputs as Float32Array. Errors name the column
 * and row when a value does not fit. Derived columns (e.g. wide-deep's cross) are added.
 */
export function encodeColumns(
  model: Model,
  size: number,
  column: (name: string) => ArrayLike<number> | readonly string[] | undefined,
  labels?: ArrayLike<number>,
  what = "samples",
): ColumnData {
  const vocabularies = model.def.vocabularies?.(model.spec) ?? {};
  const data: ColumnData = { rows: size, ints: {}, floats: {}, labels: new Float32Array(size) };
  if (labels) {
    for (let i = 0; i < size; i++) {
      const y = labels[i];
      if (y !== 0 && y !== 1) throw new Error(`${what}: label at row ${i} is ${y}, expected 0 or 1`);
      data.labels[i] = y;
    }
  }
  for (const input of model.inputs()) {
    const col = column(input.name);
    if (!col) throw new Error(`${what} have no column "${input.name}", which ${model.kind} needs`);
    if (input.dtype === "float32") {
      if (typeof col[0] === "string")
        throw new Error(`${what}: column "${input.name}" holds strings, expected numbers`);
      data.floats[input.name] = Float32Array.from(col as ArrayLike<number>);
      continue;
    }
    const out = new Int32Array(size);
    const vocab = vocabularies[input.name];
    if (vocab) {
      const index = new Map(vocab.map((v, i) => [v, i]));
      for (let i = 0; i < size; i++) out[i] = index.get(String(col[i])) ?? 0;
    } else {
      for (let i = 0; i < size; i++) {
        const v = col[i];
        if (typeof v !== "number" || !Number.isInteger(v))
          throw new Error(
            `${what}: ${input.name} at row ${i} is ${JSON.stringify(v)}, expected an integer id`,
          );
        out[i] = v;
      }
    }
    const r = input.range;
    if (r) {
      for (let i = 0; i < size; i++) {
        if (out[i] < r.min || out[i] > r.max)
          throw new Error(
            `${what}: ${input.name} ${out[i]} at row ${i} is outside the embedding range [${r.min}, ${r.max}] of ${model.kind}`,
          );
      }
    }
    data.ints[input.name] = out;
  }
  model.derive(data);
  return data;
}

/** encodeColumns over a whole sample table, labels included. */
export function encodeTable(model: Model, table: SampleTable, what = "samples"): ColumnData {
  if (table.size === 0) throw new Error(`${what} are empty`);
  const label = table.columns.get("label");
  if (!label || typeof label[0] === "string") throw new Error(`${what} have no numeric "label" column`);
  return encodeColumns(model, table.size, (n) => table.columns.get(n), label as ArrayLike<number>, what);
}
