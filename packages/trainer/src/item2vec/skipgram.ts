import { Worker } from "node:worker_threads";
import type { Embeddings } from "./embeddings.js";
import { runSkipGram, type SkipGramState } from "./skipgram-kernel.js";

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

/** A power of two, so a draw is a mask rather than a modulo. */
const NEG_TABLE_SIZE = 1 << 20;

/**
 * Item2Vec: skip-gram with negative sampling (word2vec) over item sequences, e.g. each user's positively
 * rated movies in time order. Returns one Float32 vector per item seen at least `minCount` times.
 * Deterministic for a given seed and input.
 */
export function trainItem2Vec(
  sequences: Iterable<readonly number[]>,
  opts: Item2VecOptions = {},
): Embeddings {
  const prepared = prepare(sequences, opts, (n) => new Float32Array(n));
  if (!prepared.state) return prepared.empty;
  const { state, ids } = prepared;
  runSkipGram(state, { index: 0, count: 1 }, partSeed(opts.seed, 0), (epoch) =>
    opts.onEpoch?.(epoch, state.epochs),
  );
  return { ids, vectors: state.syn0, dim: state.dim };
}

/**
 * Item2Vec on `threads` worker threads updating shared vectors without locks (Hogwild, as word2vec's
 * threads do). Each thread trains every epoch on its share of the sequences; results vary from run to run
 * with thread timing, so use `trainItem2Vec` where bit-for-bit reproducibility matters.
 */
export async function trainItem2VecParallel(
  sequences: Iterable<readonly number[]>,
  opts: Item2VecOptions & { threads?: number } = {},
): Promise<Embeddings> {
  const threads = positiveInt("threads", opts.threads ?? 2);
  const shared = (n: number) => new Float32Array(new SharedArrayBuffer(n * 4));
  const prepared = prepare(sequences, opts, shared);
  if (!prepared.state) return prepared.empty;
  const { state, ids } = prepared;
  const toShared = <T extends Int32Array | Float64Array>(a: T): T => {
    const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
    const out = new Ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  const sharedState: SkipGramState = {
    ...state,
    corpus: toShared(state.corpus),
    bounds: toShared(state.bounds),
    keep: toShared(state.keep),
    table: toShared(state.table),
  };
  // From TypeScript sources (tsx, vitest) a worker inherits no TypeScript loader: start it through a
  // plain-JS bootstrap that registers tsx first.
  const url = new URL(
    import.meta.url.endsWith(".ts") ? "./skipgram-worker-bootstrap.mjs" : "./skipgram-worker.js",
    import.meta.url,
  );
  const epochsDone = new Array<number>(threads).fill(0);
  let reported = 0;
  const workers = Array.from(
    { length: threads },
    (_, index) =>
      new Worker(url, {
        workerData: { state: sharedState, index, count: threads, seed: partSeed(opts.seed, index) },
        execArgv: [],
      }),
  );
  try {
    await Promise.all(
      workers.map(
        (w, index) =>
          new Promise<void>((resolve, reject) => {
            w.on("message", (m: { type: string; epoch?: number; error?: string }) => {
              if (m.type === "epoch") {
                epochsDone[index] = m.epoch ?? 0;
                const slowest = Math.min(...epochsDone);
                if (slowest > reported) {
                  reported = slowest;
                  opts.onEpoch?.(slowest, state.epochs);
                }
              } else if (m.type === "done") resolve();
              else reject(new Error(`Item2Vec worker ${index} failed: ${m.error}`));
            });
            w.on("error", reject);
            w.on("exit", (code) => {
              if (code !== 0) reject(new Error(`Item2Vec worker ${index} exited with code ${code}`));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { ids, vectors: state.syn0.slice(), dim: state.dim };
}

function partSeed(seed: number | undefined, part: number): number {
  return (Math.imul((seed ?? 1) ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(part + 1, 0x9e3779b9)) >>> 0;
}

type Prepared =
  | { state: SkipGramState; ids: Int32Array; empty?: undefined }
  | { state?: undefined; ids: Int32Array; empty: Embeddings };

/** Validates options, builds the vocabulary, corpus, subsampling and negative table, initialises vectors. */
function prepare(
  sequences: Iterable<readonly number[]>,
  opts: Item2VecOptions,
  floats: (n: number) => Float32Array,
): Prepared {
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
  if (vocab === 0) return { ids, empty: { ids, vectors: new Float32Array(0), dim } };
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
  const total = corpusList.length;

  const syn0 = floats(vocab * dim);
  let rng = (opts.seed ?? 1) >>> 0 || 0x9e3779b9;
  for (let i = 0; i < syn0.length; i++) {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    rng >>>= 0;
    syn0[i] = (rng / 4294967296 - 0.5) / dim;
  }
  // Keep probability per row (word2vec's formula); 1 everywhere when subsampling is off.
  const keep = new Float64Array(vocab).fill(1);
  if (sample > 0) {
    const threshold = sample * total;
    for (let i = 0; i < vocab; i++)
      keep[i] = Math.min(1, (Math.sqrt(freq[i] / threshold) + 1) * (threshold / freq[i]));
  }
  return {
    ids,
    state: {
      dim,
      window,
      negatives,
      epochs,
      startLr,
      syn0,
      syn1: floats(vocab * dim),
      corpus: Int32Array.from(corpusList),
      bounds: Int32Array.from(starts),
      keep,
      table: negativeTable(freq),
    },
  };
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
