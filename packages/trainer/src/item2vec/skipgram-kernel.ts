/**
 * The skip-gram negative-sampling loop, shared by the single-threaded trainer and the Hogwild workers.
 * All arrays may live in SharedArrayBuffers: workers update `syn0`/`syn1` concurrently without locks, as
 * word2vec does; sparse updates rarely collide, and collisions only add noise.
 */
export interface SkipGramState {
  dim: number;
  window: number;
  negatives: number;
  epochs: number;
  startLr: number;
  /** Input (item) vectors, vocab × dim: the embeddings. */
  syn0: Float32Array;
  /** Output (context) vectors, vocab × dim. */
  syn1: Float32Array;
  /** Every sequence's rows, concatenated; sequence s is corpus[bounds[s] .. bounds[s + 1]). */
  corpus: Int32Array;
  bounds: Int32Array;
  /** Subsampling: probability of keeping each row's occurrences. */
  keep: Float64Array;
  /** Unigram^0.75 negative-sampling table; its length is a power of two. */
  table: Int32Array;
}

const MAX_EXP = 6;

/**
 * Trains on the sequences s with s % part.count === part.index, for every epoch, the learning rate
 * decaying linearly with this part's progress (to startLr · 1e-4).
 */
export function runSkipGram(
  st: SkipGramState,
  part: { index: number; count: number },
  seed: number,
  onEpoch?: (epoch: number) => void,
): void {
  const { dim, window, negatives, epochs, startLr, syn0, syn1, corpus, bounds, keep, table } = st;
  const tableMask = table.length - 1;
  let partTokens = 0;
  for (let s = part.index; s + 1 < bounds.length; s += part.count) partTokens += bounds[s + 1] - bounds[s];
  const planned = epochs * partTokens + 1;
  // xorshift32 in a local closure (V8 inlines it): the draw sits in the innermost loop.
  let rng = seed >>> 0 || 0x9e3779b9;
  const nextU32 = () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    rng >>>= 0;
    return rng;
  };
  let longest = 0;
  for (let s = 0; s + 1 < bounds.length; s++) longest = Math.max(longest, bounds[s + 1] - bounds[s]);
  const kept = new Int32Array(longest);
  const work = new Float32Array(dim);
  let processed = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let s = part.index; s + 1 < bounds.length; s += part.count) {
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
              target = table[nextU32() & tableMask];
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
    onEpoch?.(epoch + 1);
  }
}
