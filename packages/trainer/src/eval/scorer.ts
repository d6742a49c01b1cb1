/** A column of sample values: ids and numbers as typed arrays, categorical features as strings. */
export type FeatureColumn = Int32Array | Float32Array | Float64Array | readonly string[];

/** Rows to score, in columns. `userId` and `movieId` are always present; other sample columns on demand. */
export interface ScoreBatch {
  readonly size: number;
  readonly userId: Int32Array;
  readonly movieId: Int32Array;
  /** A sample column by name (see SAMPLE_COLUMNS), or undefined when the data has no such column. */
  column(name: string): FeatureColumn | undefined;
}

/**
 * Anything that scores (user, movie) rows: an in-memory model, an ONNX session, a baseline. Scores are
 * click/like probabilities in [0, 1] (logloss reads them as such; AUC and top-K only need their order).
 */
export interface Scorer {
  readonly name: string;
  /** Sample columns besides userId and movieId the scorer reads (signature.json `features`). */
  readonly features: readonly string[];
  score(batch: ScoreBatch): Float32Array | Promise<Float32Array>;
}

/** Samples held in columns; every column has `size` values. */
export interface SampleTable {
  readonly size: number;
  readonly columns: ReadonlyMap<string, FeatureColumn>;
}

/** A column that must exist, as Int32 ids / numbers; the error names the table and the column. */
export function requireColumn(table: SampleTable, name: string, what: string): FeatureColumn {
  const col = table.columns.get(name);
  if (!col) throw new Error(`${what} has no column "${name}" (has: ${[...table.columns.keys()].join(", ")})`);
  return col;
}

export function numericColumn(
  table: SampleTable,
  name: string,
  what: string,
): Int32Array | Float32Array | Float64Array {
  const col = requireColumn(table, name, what);
  if (Array.isArray(col)) throw new Error(`${what} column "${name}" holds strings, expected numbers`);
  return col as Int32Array | Float32Array | Float64Array;
}

/** Rows [from, to) of a table as a batch (typed columns are views, not copies). */
export function sliceBatch(table: SampleTable, from: number, to: number): ScoreBatch {
  if (!(0 <= from && from <= to && to <= table.size))
    throw new RangeError(`rows [${from}, ${to}) are outside the table's ${table.size} rows`);
  const cut = (col: FeatureColumn): FeatureColumn =>
    Array.isArray(col) ? col.slice(from, to) : (col as Int32Array).subarray(from, to);
  const cache = new Map<string, FeatureColumn>();
  const column = (name: string) => {
    let c = cache.get(name);
    if (!c) {
      const whole = table.columns.get(name);
      if (!whole) return undefined;
      c = cut(whole);
      cache.set(name, c);
    }
    return c;
  };
  return {
    size: to - from,
    userId: asInt32(column("userId")),
    movieId: asInt32(column("movieId")),
    column,
  };
}

function asInt32(col: FeatureColumn | undefined): Int32Array {
  if (col instanceof Int32Array) return col;
  if (!col || Array.isArray(col)) throw new Error("userId and movieId must be numeric columns");
  return Int32Array.from(col as ArrayLike<number>);
}

/** Scores a whole table in batches, checking each answer's length and values. */
export async function scoreTable(
  scorer: Scorer,
  table: SampleTable,
  opts: { batchSize?: number; onBatch?: (rows: number) => void } = {},
): Promise<Float32Array> {
  const batchSize = opts.batchSize ?? 4096;
  const out = new Float32Array(table.size);
  for (let from = 0; from < table.size; from += batchSize) {
    const to = Math.min(table.size, from + batchSize);
    const scores = await scorer.score(sliceBatch(table, from, to));
    checkScores(scorer, scores, to - from);
    out.set(scores, from);
    opts.onBatch?.(to - from);
  }
  return out;
}

export function checkScores(scorer: Scorer, scores: Float32Array, expected: number): void {
  if (scores.length !== expected)
    throw new Error(`scorer "${scorer.name}" returned ${scores.length} scores for ${expected} rows`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]))
      throw new Error(`scorer "${scorer.name}" returned ${scores[i]} for row ${i}`);
  }
}
