/** Extra neighbours kept per cached list, so most users' exclusions still leave enough. */
const NEIGHBOUR_SLACK = 200;
/** Cached lists before the cache starts over (each is ~1 KB). */
const MAX_CACHED_LISTS = 20_000;
/** Longest stretch `warmNeighbours` keeps the event loop. */
const YIELD_EVERY_MS = 5;

/**
 * Brute-force cosine nearest neighbours over one embedding space. With MovieLens-sized catalogues
 * (10k–60k movies, dim ≤ 64) a scan is ~1 ms and needs no approximate index to keep in sync.
 */
export class VectorIndex {
  readonly dim: number;
  private readonly rowOf = new Map<number, number>();
  /** id → the ids nearest its vector (itself included), unfiltered, best first. */
  private readonly neighbourCache = new Map<number, Int32Array>();

  private constructor(
    readonly ids: Int32Array,
    /** Row-major, each row L2-normalised. */
    private readonly matrix: Float32Array,
    dim: number,
  ) {
    this.dim = dim;
    for (let i = 0; i < ids.length; i++) this.rowOf.set(ids[i], i);
  }

  /** Builds from id → vector; ids that are not positive integers and zero vectors are skipped. */
  static build(vectors: Map<string, Float32Array> | Map<number, Float32Array>): VectorIndex | null {
    let dim = 0;
    const ids: number[] = [];
    const rows: Float32Array[] = [];
    for (const [key, v] of vectors as Map<string | number, Float32Array>) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 1 || v.length === 0) continue;
      if (dim === 0) dim = v.length;
      if (v.length !== dim) throw new Error(`embedding of id ${id} has dim ${v.length}, expected ${dim}`);
      if (norm(v) === 0) continue;
      ids.push(id);
      rows.push(v);
    }
    if (ids.length === 0) return null;
    const matrix = new Float32Array(ids.length * dim);
    rows.forEach((v, r) => {
      const n = norm(v);
      for (let j = 0; j < dim; j++) matrix[r * dim + j] = v[j] / n;
    });
    return new VectorIndex(Int32Array.from(ids), matrix, dim);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The stored (normalised) vector of an id, or null. */
  vector(id: number): Float32Array | null {
    const r = this.rowOf.get(id);
    return r === undefined ? null : this.matrix.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /**
   * `nearest(vector(id), k, exclude).ids` (null for an unknown id), from a cached unfiltered top list when
   * enough of it survives `exclude`. Item-to-item neighbours are asked for on every request and change only
   * with the index, so this turns a scan of the catalogue per seed into a walk over a short list. Exact:
   * the list is a prefix of the same (score desc, row asc) order the scan uses.
   */
  nearestToId(id: number, k: number, exclude?: ReadonlySet<number>): number[] | null {
    const v = this.vector(id);
    if (!v) return null;
    const want = Math.min(k + NEIGHBOUR_SLACK, this.ids.length);
    let list = this.neighbourCache.get(id);
    if (!list || list.length < want) {
      list = Int32Array.from(this.nearest(v, want).ids);
      if (this.neighbourCache.size >= MAX_CACHED_LISTS) this.neighbourCache.clear();
      this.neighbourCache.set(id, list);
    }
    const out: number[] = [];
    if (k <= 0) return out;
    for (const other of list) {
      if (exclude?.has(other)) continue;
      out.push(other);
      if (out.length === k) return out;
    }
    // The list holds the whole catalogue, or the exclusions ate the slack: only a scan is exact then.
    return list.length === this.ids.length ? out : this.nearest(v, k, exclude).ids;
  }

  /**
   * Fills the neighbour lists `nearestToId(id, k)` will read, for `ids` in order until `budgetMs` has
   * passed; returns how many it filled. Each list is a scan of the catalogue (0.3–0.5 ms for the demo's
   * 1,489 movies, tens of times that for a large catalogue) that a cold index would otherwise pay on the
   * request path, once per new seed. Yields to the event loop every few ms, so warming a new index beside
   * the serving one stalls nothing.
   */
  async warmNeighbours(ids: Iterable<number>, k: number, budgetMs: number): Promise<number> {
    const started = performance.now();
    let lastYield = started;
    let filled = 0;
    for (const id of ids) {
      const now = performance.now();
      if (now - started >= budgetMs) break;
      if (now - lastYield >= YIELD_EVERY_MS) {
        await new Promise(setImmediate);
        lastYield = performance.now();
      }
      if (this.nearestToId(id, k) !== null) filled++;
    }
    return filled;
  }

  /** The `k` ids most similar to `query` (cosine), best first, skipping ids in `exclude`. */
  nearest(
    query: Float32Array,
    k: number,
    exclude?: ReadonlySet<number>,
  ): { ids: number[]; scores: number[] } {
    if (query.length !== this.dim) throw new Error(`query has dim ${query.length}, index has ${this.dim}`);
    const qn = norm(query);
    if (qn === 0 || k <= 0) return { ids: [], scores: [] };
    // Min-heap of the best k (scores and rows).
    const hs = new Float64Array(k);
    const hr = new Int32Array(k);
    let n = 0;
    const d = this.dim;
    const m = this.matrix;
    for (let r = 0; r < this.ids.length; r++) {
      if (exclude?.has(this.ids[r])) continue;
      let s = 0;
      const off = r * d;
      for (let j = 0; j < d; j++) s += m[off + j] * query[j];
      s /= qn;
      if (n < k) {
        let i = n++;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (hs[p] <= s) break;
          hs[i] = hs[p];
          hr[i] = hr[p];
          i = p;
        }
        hs[i] = s;
        hr[i] = r;
      } else if (s > hs[0]) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= n) break;
          const c = l + 1 < n && hs[l + 1] < hs[l] ? l + 1 : l;
          if (hs[c] >= s) break;
          hs[i] = hs[c];
          hr[i] = hr[c];
          i = c;
        }
        hs[i] = s;
        hr[i] = r;
      }
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => hs[b] - hs[a] || hr[a] - hr[b]);
    return { ids: order.map((i) => this.ids[hr[i]]), scores: order.map((i) => hs[i]) };
  }
}

function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
