import type { Embeddings } from "./embeddings.js";

export interface Item2VecOptions {
  /** Vector size; the reference uses 10. */
  dim?: number;
  /** Maximum distance between a movie and its context; each step draws a window in [1, window] as word2vec. */
  window?: number;
  /** Negative samples per positive pair. */
  negatives?: number;
  /** Passes over the sequences; the reference runs 10 iterations. */
  epochs?: number;
  /** Starting learning rate, decayed linearly to `learningRate * 1e-4` over all epochs. */
  learningRate?: number;
  /** Frequent-item subsampling threshold (word2vec's `sample`); 0 disables it. */
  subsample?: number;
  /** Items seen fewer times are dropped from the vocabulary. */
  minCount?: number;
  seed?: number;
  /** Called after each epoch. */
  onEpoch?: (epoch: number, epochs: number) => void;
}

const NEG_TABLE_SIZE = 1 << 20;
const MAX_EXP = 6;

/**
 * Item2Vec: skip-gram with negative sampling (word2vec) over item sequences, e.g. each user's positively
 * rated movies in time order. Returns one Float32 vector per item seen at least `minCount` times.
 * Deterministic for a given seed and input.
 */
export function trainItem2Vec(
  sequences: Iterable<readonly number[]>,
  opts: Item2VecOptions = {},
): Embeddings {
  const dim = positiveInt("dim", opts.dim ?? 10);
  const window = positiveInt("window", opts.window ?? 5);
  const negatives = nonNegativeInt("negatives", opts.negatives ?? 5);
  const epochs = positiveInt("epochs", opts.epochs ?? 10);
  const minCount = positiveInt("minCount", opts.minCount ?? 1);
  const startLr = opts.learningRate ?? 0.025;
  const sample = opts.subsample ?? 1e-3;
  if (!(startLr > 0)) throw new RangeError(`learningRate must be > 0, got ${startLr}`);
  if (!(sample >= 0)) throw new RangeError(`subsample must be >= 0, got ${sample}`);

  const seqs = Array.isArray(sequences) ? (sequences as readonly (readonly number[])[]) : [...sequences];
  const counts = new Map<number, number>();
  for (const seq of seqs) {
    for (const id of seq) {
      if (!Number.isInteger(id)) throw new TypeError(`item ids must be integers, got ${id}`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  const ids = Int32Array.from([...counts].filter(([, c]) => c >= minCount).map(([id]) => id)).sort();
  const vocab = ids.length;
  const freq = new Float64Array(vocab);
  const rowById = new Map<number, number>();
  for (let i = 0; i < vocab; i++) {
    rowById.set(ids[i], i);
    freq[i] = counts.get(ids[i]) ?? 0;
  }

  // Corpus as one flat array of rows with sequence boundaries; dropped items vanish as in word2vec.
  const corpusList: number[] = [];
  const starts: number[] = [0];
  for (const seq of seqs) {
    for (const id of seq) {
      const row = rowById.get(id);
      if (row !== undefined) corpusList.push(row);
    }
    if (corpusList.length > starts[starts.length - 1]) starts.push(corpusList.length);
  }
  const corpus = Int32Array.from(corpusList);
  const bounds = Int32Array.from(starts);
  const total = corpus.length;

  const syn0 = new Float32Array(vocab * dim);
  const syn1 = new Float32Array(vocab * dim);
  if (vocab === 0) return { ids, vectors: syn0, dim };

  let rng = (opts.seed ?? 1) >>> 0 || 0x9e3779b9;
  // xorshift32 in a local closure (V8 inlines it): the draw sits in the innermost loop.
  const nextU32 = () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    rng >>>= 0;
    return rng;
  };
  for (let i = 0; i < syn0.length; i++) syn0[i] = (nextU32() / 4294967296 - 0.5) / dim;

  const table = negativeTable(freq);
  // Keep probability per row (word2vec's formula); 1 everywhere when subsampling is off.
  const keep = new Float64Array(vocab).fill(1);
  if (sample > 0) {
    const threshold = sample * total;
    for (let i = 0; i < vocab; i++)
      keep[i] = Math.min(1, (Math.sqrt(freq[i] / threshold) + 1) * (threshold / freq[i]));
  }

  const work = new Float32Array(dim);
  const kept = new Int32Array(total);
  const planned = epochs * total + 1;
  let processed = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let s = 0; s + 1 < bounds.length; s++) {
      const from = bounds[s];
      const to = bounds[s + 1];
      let len = 0;
      for (let p = from; p < to; p++) {
        const row = corpus[p];
        if (keep[row] >= 1 || keep[row] * 4294967296 > nextU32()) kept[len++] = row;
      }
      const lr = Math.max(startLr * (1 - processed / planned), startLr * 1e-4);
      processed += to - from;
      for (let pos = 0; pos < len; pos++) {
        const center = kept[pos];
        const reach = 1 + (nextU32() % window);
        const lo = Math.max(0, pos - reach);
        const hi = Math.min(len - 1, pos + reach);
        for (let c = lo; c <= hi; c++) {
          if (c === pos) continue;
          // As word2vec: the context item's input vector learns to predict the centre item.
          const l1 = kept[c] * dim;
          work.fill(0);
          for (let n = 0; n <= negatives; n++) {
            let target: number;
            let label: number;
            if (n === 0) {
              target = center;
              label = 1;
            } else {
              target = table[nextU32() & (NEG_TABLE_SIZE - 1)];
              if (target === center) continue;
              label = 0;
            }
            const l2 = target * dim;
            let f = 0;
            for (let d = 0; d < dim; d++) f += syn0[l1 + d] * syn1[l2 + d];
            const g = (f > MAX_EXP ? label - 1 : f < -MAX_EXP ? label : label - 1 / (1 + Math.exp(-f))) * lr;
            for (let d = 0; d < dim; d++) {
              work[d] += g * syn1[l2 + d];
              syn1[l2 + d] += g * syn0[l1 + d];
            }
          }
          for (let d = 0; d < dim; d++) syn0[l1 + d] += work[d];
        }
      }
    }
    opts.onEpoch?.(epoch + 1, epochs);
  }
  return { ids, vectors: syn0, dim };
}

/** word2vec's unigram^0.75 table: row i fills a share of slots proportional to count_i^0.75. */
function negativeTable(freq: Float64Array): Int32Array {
  const table = new Int32Array(NEG_TABLE_SIZE);
  let norm = 0;
  for (let i = 0; i < freq.length; i++) norm += freq[i] ** 0.75;
  let row = 0;
  let cum = freq[0] ** 0.75 / norm;
  for (let slot = 0; slot < NEG_TABLE_SIZE; slot++) {
    table[slot] = row;
    if (slot / NEG_TABLE_SIZE > cum && row < freq.length - 1) {
      row++;
      cum += freq[row] ** 0.75 / norm;
    }
  }
  return table;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}
