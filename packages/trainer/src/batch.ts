/**
 * One mini-batch, column-major: every feature column is a typed array of at least `size` entries.
 * Integer columns hold ids (embedding rows, vocabulary indices); float columns hold raw numeric features
 * (layers normalise them). Buffers are allocated once for the largest batch and reused.
 */
export interface Batch {
  size: number;
  ints: Record<string, Int32Array>;
  floats: Record<string, Float32Array>;
  /** 0/1 targets. */
  labels: Float32Array;
}

export function allocateBatch(
  intColumns: readonly string[],
  floatColumns: readonly string[],
  capacity: number,
): Batch {
  const ints: Record<string, Int32Array> = {};
  const floats: Record<string, Float32Array> = {};
  for (const c of intColumns) ints[c] = new Int32Array(capacity);
  for (const c of floatColumns) floats[c] = new Float32Array(capacity);
  return { size: 0, ints, floats, labels: new Float32Array(capacity) };
}
