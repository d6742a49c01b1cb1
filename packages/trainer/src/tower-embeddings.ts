import { allocateBatch } from "./batch.js";
import type { SampleTable } from "./eval/scorer.js";
import type { Model } from "./model.js";
import { encodeColumns } from "./samples.js";

export interface EmbeddingTable {
  /** userId or movieId of each vector, ascending. */
  ids: Int32Array;
  /** ids.length × dim, row-major. */
  vectors: Float32Array;
  dim: number;
}

/**
 * The two-tower model's output vectors for every user and every movie in `tables` (for recall: the
 * pipeline stores them as the `tt-user` / `tt-item` embedding spaces, where a user's nearest items by
 * dot product are the model's top scores). Each id's features come from its latest row by timestamp
 * (for users: their profile as of their last sample), so the vectors reflect the newest data given.
 */
export function towerEmbeddings(
  model: Model,
  tables: readonly SampleTable[],
): { users: EmbeddingTable; items: EmbeddingTable } {
  if (model.kind !== "two-tower")
    throw new Error(`tower embeddings need a two-tower model, got ${model.kind}`);
  return { users: side(model, tables, "userId", "user"), items: side(model, tables, "movieId", "item") };
}

function side(
  model: Model,
  tables: readonly SampleTable[],
  idColumn: string,
  tower: "user" | "item",
): EmbeddingTable {
  // Latest row per id: (table index, row).
  const latest = new Map<number, { t: number; table: number; row: number }>();
  tables.forEach((table, ti) => {
    const ids = table.columns.get(idColumn) as ArrayLike<number> | undefined;
    const ts = table.columns.get("timestamp") as ArrayLike<number> | undefined;
    if (!ids || !ts) throw new Error(`samples need "${idColumn}" and "timestamp" columns`);
    for (let i = 0; i < table.size; i++) {
      const cur = latest.get(ids[i]);
      if (!cur || ts[i] >= cur.t) latest.set(ids[i], { t: ts[i], table: ti, row: i });
    }
  });
  const ids = Int32Array.from(latest.keys()).sort();
  const picks = Array.from(ids, (id) => latest.get(id) as { table: number; row: number });
  const n = ids.length;
  const data = encodeColumns(model, n, (name) => {
    const cols = tables.map((t) => t.columns.get(name));
    if (cols.some((c) => !c)) return undefined;
    const first = cols[0] as ArrayLike<number> | readonly string[];
    const values = typeof first[0] === "string" ? new Array<string>(n) : new Array<number>(n);
    picks.forEach((p, k) => {
      values[k] = (cols[p.table] as ArrayLike<number | string>)[p.row] as never;
    });
    return values as number[] | string[];
  });
  const batchSize = 1024;
  const { graph, towers } = model.build(batchSize);
  if (!towers) throw new Error("two-tower graph has no towers");
  const out = tower === "user" ? towers.user : towers.item;
  const dim = out.width;
  const vectors = new Float32Array(n * dim);
  const batch = allocateBatch(model.intColumns(), model.floatColumns(), batchSize);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    batch.size = size;
    for (const c of model.intColumns()) batch.ints[c].set(data.ints[c].subarray(start, start + size));
    for (const c of model.floatColumns()) batch.floats[c].set(data.floats[c].subarray(start, start + size));
    graph.forward(batch);
    vectors.set(out.out.subarray(0, size * dim), start * dim);
  }
  return { ids, vectors, dim };
}
