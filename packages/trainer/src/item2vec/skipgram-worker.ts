import { parentPort, workerData } from "node:worker_threads";
import { runSkipGram, type SkipGramState } from "./skipgram-kernel.js";

// One Hogwild worker: trains its share of the sequences on the shared vectors, reporting each epoch.
const init = workerData as { state: SkipGramState; index: number; count: number; seed: number };
const port = parentPort;
if (!port) throw new Error("skipgram-worker.ts must run as a worker thread");
try {
  runSkipGram(init.state, { index: init.index, count: init.count }, init.seed, (epoch) =>
    port.postMessage({ type: "epoch", epoch }),
  );
  port.postMessage({ type: "done" });
} catch (err) {
  port.postMessage({ type: "error", error: err instanceof Error ? err.stack : String(err) });
}
