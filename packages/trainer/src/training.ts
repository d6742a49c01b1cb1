import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { allocateBatch } from "./batch.js";
import type { Graph } from "./graph.js";
import type { Model } from "./model.js";
import { DEFAULT_ADAM, type OptimizerConfig } from "./optimizer.js";
import { Rng } from "./rng.js";
import { epochRows, fillBatch, type TrainingSource } from "./sources.js";

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  optimizer?: OptimizerConfig;
  /**
   * Worker threads. 1 trains on the calling thread and is bit-for-bit deterministic for a seed.
   * With more, workers update the shared weights without locks (Hogwild!, Niu et al. 2011): updates to
   * different embedding rows rarely collide, throughput scales with cores, but the interleaving — and so
   * the exact weights — varies from run to run.
   */
  workers?: number;
  seed?: number;
  /** Initialise the weights from the seed first (default true; false continues from a checkpoint). */
  initialise?: boolean;
  onProgress?(p: TrainProgress): void;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Rows trained so far over all epochs, and the total. */
  done: number;
  total: number;
  /** Mean loss of the current epoch so far (single thread) or of the last finished epoch (workers). */
  loss: number;
  samplesPerSec: number;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  seconds: number;
  samplesPerSec: number;
}

export interface TrainResult {
  epochs: EpochStats[];
  samples: number;
  seconds: number;
  samplesPerSec: number;
  workers: number;
}

/**
 * Trains on batches until the shared batch counter passes nBatches; returns the summed loss. The same
 * loop runs on the main thread and in every worker (they share `counter`).
 */
export function runBatches(
  graph: Graph,
  model: Model,
  source: TrainingSource,
  counter: Int32Array,
  batchSize: number,
  optimizer: OptimizerConfig,
  rng: Rng,
  onBatch?: (rowsDone: number, loss: number) => void,
): number {
  const batch = allocateBatch(model.intColumns(), model.floatColumns(), batchSize);
  const rows = epochRows(source);
  const nBatches = Math.ceil(rows / batchSize);
  let loss = 0;
  let rowsDone = 0;
  for (;;) {
    const k = Atomics.add(counter, 0, 1);
    if (k >= nBatches) break;
    const start = k * batchSize;
    const end = Math.min(rows, start + batchSize);
    fillBatch(source, batch, start, end, rng);
    loss += graph.trainStep(batch, optimizer);
    rowsDone += end - start;
    if (onBatch && (k & 31) === 31) onBatch(rowsDone, loss);
  }
  return loss;
}

/** Trains `model` in place on `source`. */
export async function train(model: Model, source: TrainingSource, opts: TrainOptions): Promise<TrainResult> {
  const batchSize = opts.batchSize ?? 256;
  const optimizer = opts.optimizer ?? DEFAULT_ADAM;
  const seed = opts.seed ?? 42;
  const workers = Math.max(1, Math.min(opts.workers ?? 1, cpus().length * 2));
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1)
    throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const rows = epochRows(source);
  if (rows === 0) throw new Error("no training rows");
  if (opts.initialise ?? true) model.store.initialise(seed);
  const shuffleRng = new Rng(seed ^ 0x5bd1e995);
  const total = rows * opts.epochs;
  const stats: EpochStats[] = [];
  const t0 = performance.now();
  const report = (epoch: number, done: number, loss: number) =>
    opts.onProgress?.({
      epoch,
      epochs: opts.epochs,
      done,
      total,
      loss,
      samplesPerSec: done / Math.max(1e-9, (performance.now() - t0) / 1000),
    });

  const pool =
    workers > 1 ? await startWorkers(model, source, workers, batchSize, optimizer, seed) : undefined;
  try {
    const graph = pool ? undefined : model.build(batchSize).graph;
    const sampleRng = new Rng(seed + 1);
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      shuffleRng.shuffle(source.order);
      const e0 = performance.now();
      const before = (epoch - 1) * rows;
      let loss: number;
      if (graph) {
        const counter = new Int32Array(1);
        loss = runBatches(graph, model, source, counter, batchSize, optimizer, sampleRng, (done, l) =>
          report(epoch, before + done, l / done),
        );
      } else if (pool) {
        loss = await pool.epoch(epoch, (done) =>
          report(epoch, before + done, stats.at(-1)?.loss ?? Number.NaN),
        );
      } else throw new Error("unreachable");
      const seconds = (performance.now() - e0) / 1000;
      stats.push({ epoch, loss: loss / rows, seconds, samplesPerSec: rows / seconds });
      report(epoch, before + rows, loss / rows);
    }
  } finally {
    await pool?.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { epochs: stats, samples: total, seconds, samplesPerSec: total / seconds, workers };
}

/** What each worker gets in workerData. */
export interface WorkerInit {
  spec: Model["spec"];
  buffers: Model["store"]["buffers"];
  source: TrainingSource;
  counter: Int32Array;
  losses: Float64Array;
  index: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  seed: number;
}

async function startWorkers(
  model: Model,
  source: TrainingSource,
  n: number,
  batchSize: number,
  optimizer: OptimizerConfig,
  seed: number,
) {
  // From TypeScript sources (tsx, vitest) a worker inherits no TypeScript loader: start it through a
  // plain-JS bootstrap that registers tsx first.
  const url = new URL(
    import.meta.url.endsWith(".ts") ? "./worker-bootstrap.mjs" : "./worker.js",
    import.meta.url,
  );
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const losses = new Float64Array(new SharedArrayBuffer(8 * n));
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  for (let index = 0; index < n; index++) {
    const workerData: WorkerInit = {
      spec: model.spec,
      buffers: model.store.buffers,
      source,
      counter,
      losses,
      index,
      batchSize,
      optimizer,
      seed,
    };
    // execArgv: [] keeps the parent's flags (e.g. tsx's --import hooks, which do not apply in workers) out.
    const w = new Worker(url, { workerData, execArgv: [] });
    workers.push(w);
    ready.push(once(w, "ready"));
  }
  await Promise.all(ready);
  const rows = epochRows(source);
  return {
    async epoch(epoch: number, progress: (done: number) => void): Promise<number> {
      Atomics.store(counter, 0, 0);
      const done = workers.map((w) => once(w, "done"));
      for (const w of workers) w.postMessage({ type: "epoch", epoch });
      const nBatches = Math.ceil(rows / batchSize);
      const timer = setInterval(
        () => progress(Math.min(nBatches, Atomics.load(counter, 0)) * batchSize),
        250,
      );
      try {
        await Promise.all(done);
      } finally {
        clearInterval(timer);
      }
      return losses.reduce((a, b) => a + b, 0);
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Resolves on the worker's next message of `type`; rejects if it fails or exits first. */
function once(w: Worker, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; error?: string }) => {
      if (m.type === type) {
        cleanup();
        resolve();
      } else if (m.type === "error") {
        cleanup();
        reject(new Error(`training worker failed: ${m.error}`));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`training worker exited with code ${code}`));
    };
    const cleanup = () => {
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
    };
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
  });
}
