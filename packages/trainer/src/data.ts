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
