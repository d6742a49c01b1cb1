/**
 * Training data in columns. Id and categorical columns are Int32Array (categorical strings already
 * mapped through a vocabulary), numeric columns Float32Array, labels 0/1.
 */
export interface ColumnData {
  rows: number;
  ints: Record<string, Int32Array>;
  floats: Record<string, Float32Array>;
  labels: Float32Array;
}

/** Mean and standard deviation of a numeric column (std of a constant column is taken as 1). */
export function columnStats(x: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = x.length ? s / x.length : 0;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  const std = x.length ? Math.sqrt(v / x.length) : 0;
  return { mean, std: std > 1e-6 ? std : 1 };
}

export function maxOf(x: Int32Array): number {
  let m = -1;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  return m;
}

/** Throws a clear error when an id column holds a value outside [0, rows). */
export function checkIdRange(data: ColumnData, column: string, rows: number): void {
  const x = data.ints[column];
  if (!x) throw new Error(`samples have no column "${column}"`);
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0 || x[i] >= rows) {
      throw new Error(
        `${column} ${x[i]} at row ${i} is outside the embedding table [0, ${rows - 1}] the model was built with`,
      );
    }
  }
}
