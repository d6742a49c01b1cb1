import type { Batch } from "./batch.js";
import type { ColumnData } from "./data.js";
import type { Rng } from "./rng.js";

/**
 * Where training rows come from. Everything is in typed arrays over SharedArrayBuffers, so a source can
 * be posted to worker threads without copying; `order` is the epoch's shuffled row order, shared too.
 */
export type TrainingSource = LabelledSource | ImplicitSource;

/** Labelled samples (label column = target), e.g. the feature pipeline's trainingSamples. */
export interface LabelledSource {
  kind: "labelled";
  data: ColumnData;
  order: Int32Array;
}

/**
 * Implicit feedback as in NCF: each positive (user, movie) pair is followed by `negatives` pairs of the
 * same user with movies drawn uniformly from `candidates` that the user never interacted with, sampled
 * afresh every epoch. Epoch row r is positive r / (1+negatives) when r % (1+negatives) == 0, else a negative.
 */
export interface ImplicitSource {
  kind: "implicit";
  posUser: Int32Array;
  posItem: Int32Array;
  /** CSR over users: items of user u are interItems[interOffsets[u] .. interOffsets[u+1]), sorted. */
  interOffsets: Int32Array;
  interItems: Int32Array;
  candidates: Int32Array;
  negatives: number;
  order: Int32Array;
}

export function epochRows(src: TrainingSource): number {
  return src.order.length;
}

function shared<T extends Int32Array | Float32Array>(a: T): T {
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

function sharedOrder(n: number): Int32Array {
  const o = new Int32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}

export function labelledSource(data: ColumnData): LabelledSource {
  const ints: Record<string, Int32Array> = {};
  const floats: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(data.ints)) ints[k] = shared(v);
  for (const [k, v] of Object.entries(data.floats)) floats[k] = shared(v);
  return {
    kind: "labelled",
    data: { rows: data.rows, ints, floats, labels: shared(data.labels) },
    order: sharedOrder(data.rows),
  };
}

/**
 * Builds the NCF source from (userId, movieId, label) rows: rows with label 1 are the positives; every
 * row (any label) counts as an interaction, so a movie the user rated low is never drawn as a negative.
 * Negatives are drawn from the movies that occur in the rows.
 */
export function implicitSource(
  userId: Int32Array,
  movieId: Int32Array,
  label: Float32Array,
  users: number,
  negatives: number,
): ImplicitSource {
  const n = userId.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (label[i] > 0.5) positives++;
  if (positives === 0) throw new Error("no positive rows (label 1) to train on");
  const posUser = new Int32Array(new SharedArrayBuffer(positives * 4));
  const posItem = new Int32Array(new SharedArrayBuffer(positives * 4));
  const counts = new Int32Array(users + 1);
  const seenMovie = new Set<number>();
  for (let i = 0, p = 0; i < n; i++) {
    counts[userId[i] + 1]++;
    seenMovie.add(movieId[i]);
    if (label[i] > 0.5) {
      posUser[p] = userId[i];
      posItem[p] = movieId[i];
      p++;
    }
  }
  const interOffsets = new Int32Array(new SharedArrayBuffer((users + 1) * 4));
  for (let u = 0; u < users; u++) interOffsets[u + 1] = interOffsets[u] + counts[u + 1];
  const fill = interOffsets.slice(0, users);
  const interItems = new Int32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) interItems[fill[userId[i]]++] = movieId[i];
  for (let u = 0; u < users; u++) interItems.subarray(interOffsets[u], interOffsets[u + 1]).sort();
  const candidates = shared(Int32Array.from([...seenMovie].sort((a, b) => a - b)));
  return {
    kind: "implicit",
    posUser,
    posItem,
    interOffsets,
    interItems,
    candidates,
    negatives,
    order: sharedOrder(positives * (1 + negatives)),
  };
}

/** True when user u interacted with item (binary search in the user's sorted items). */
function interacted(src: ImplicitSource, u: number, item: number): boolean {
  let lo = src.interOffsets[u];
  let hi = src.interOffsets[u + 1] - 1;
  const items = src.interItems;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = items[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Fills `batch` with epoch rows order[start..end). */
export function fillBatch(src: TrainingSource, batch: Batch, start: number, end: number, rng: Rng): void {
  const n = end - start;
  batch.size = n;
  const order = src.order;
  if (src.kind === "labelled") {
    const d = src.data;
    for (const c in batch.ints) {
      const from = d.ints[c];
      const to = batch.ints[c];
      for (let k = 0; k < n; k++) to[k] = from[order[start + k]];
    }
    for (const c in batch.floats) {
      const from = d.floats[c];
      const to = batch.floats[c];
      for (let k = 0; k < n; k++) to[k] = from[order[start + k]];
    }
    for (let k = 0; k < n; k++) batch.labels[k] = d.labels[order[start + k]];
    return;
  }
  const users = batch.ints.userId;
  const items = batch.ints.movieId;
  const per = 1 + src.negatives;
  const cands = src.candidates;
  const nc = cands.length;
  for (let k = 0; k < n; k++) {
    const r = order[start + k];
    const p = (r / per) | 0;
    const u = src.posUser[p];
    users[k] = u;
    if (r - p * per === 0) {
      items[k] = src.posItem[p];
      batch.labels[k] = 1;
    } else {
      // Rejection sampling; a user who has seen almost everything gets a (rare) seen movie after 64 tries.
      let item = cands[(rng.next() * nc) | 0];
      for (let t = 0; t < 64 && interacted(src, u, item); t++) item = cands[(rng.next() * nc) | 0];
      items[k] = item;
      batch.labels[k] = 0;
    }
  }
}
