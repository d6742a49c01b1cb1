import { parentPort, workerData } from "node:worker_threads";
import { createModel } from "./registry.js";
import { Rng } from "./rng.js";
import { runBatches, type WorkerInit } from "./training.js";

// A training worker: rebuilds the model over the shared weight buffers and trains the batches it claims
// from the shared counter, epoch by epoch, until terminated.
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error("worker.ts must run as a worker thread");
const model = createModel(init.spec, init.buffers);
const { graph } = model.build(init.batchSize);
port.on("message", (m: { type: "epoch"; epoch: number }) => {
  try {
    const rng = new Rng(init.seed + 7919 * (init.index + 1) + 104729 * m.epoch);
    init.losses[init.index] = runBatches(
      graph,
      model,
      init.source,
      init.counter,
      init.batchSize,
      init.optimizer,
      rng,
    );
    port.postMessage({ type: "done" });
  } catch (err) {
    port.postMessage({ type: "error", error: err instanceof Error ? err.stack : String(err) });
  }
});
port.postMessage({ type: "ready" });
