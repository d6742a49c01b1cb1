import type { Batch } from "./batch.js";
import type { Layer, OnnxContext } from "./layers.js";
import { type OptimizerConfig, stepContext } from "./optimizer.js";
import type { ParamStore } from "./params.js";

/** Numerically stable logistic function. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Binary cross-entropy of a logit z against label y, computed from the logit (never log(0)). */
export function bceWithLogits(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * A feed-forward network ending in one logit per example, trained with mean binary cross-entropy.
 * Layers are kept in topological order (found from the logit), so forward runs front to back and
 * backward back to front.
 */
export class Graph {
  readonly layers: Layer[];

  constructor(
    readonly logit: Layer,
    private readonly store: ParamStore,
  ) {
    if (logit.width !== 1) throw new Error(`the final layer must have width 1, it has ${logit.width}`);
    this.layers = topologicalOrder(logit);
  }

  forward(batch: Batch): void {
    for (const l of this.layers) l.forward(batch);
  }

  /** Forward, loss and backward without updating; returns the summed (not mean) loss of the batch. */
  backward(batch: Batch): number {
    this.forward(batch);
    const n = batch.size;
    for (const l of this.layers) if (l.trainable || l === this.logit) l.grad.fill(0, 0, n * l.width);
    const z = this.logit.out;
    const g = this.logit.grad;
    const y = batch.labels;
    let loss = 0;
    const inv = 1 / n;
    for (let b = 0; b < n; b++) {
      loss += bceWithLogits(z[b], y[b]);
      g[b] = (sigmoid(z[b]) - y[b]) * inv;
    }
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i];
      if (l.trainable) l.backward(batch);
    }
    return loss;
  }

  /** One optimiser step on one mini-batch; returns the summed loss. */
  trainStep(batch: Batch, config: OptimizerConfig): number {
    const loss = this.backward(batch);
    const ctx = stepContext(config, Atomics.add(this.store.steps, 0, 1) + 1);
    for (const l of this.layers) l.update(ctx);
    return loss;
  }

  /** Probabilities for the batch into `out[0..size)`. */
  predict(batch: Batch, out: Float32Array): void {
    this.forward(batch);
    const z = this.logit.out;
    for (let b = 0; b < batch.size; b++) out[b] = sigmoid(z[b]);
  }

  /** Full-size gradient of the mean loss (for gradient checks); call after backward(). */
  gradients(): Float64Array {
    const g = new Float64Array(this.store.total);
    for (const l of this.layers) l.collectGradients(g);
    return g;
  }

  /** Emits every layer; returns the logit tensor ([N, 1]). */
  toOnnx(o: Omit<OnnxContext, "of">): string {
    const names = new Map<Layer, string>();
    const ctx: OnnxContext = {
      ...o,
      of(layer) {
        const n = names.get(layer);
        if (n === undefined) throw new Error("layer emitted before its input");
        return n;
      },
    };
    for (const l of this.layers) names.set(l, l.toOnnx(ctx));
    return ctx.of(this.logit);
  }
}

function topologicalOrder(root: Layer): Layer[] {
  const order: Layer[] = [];
  const seen = new Set<Layer>();
  const visit = (l: Layer) => {
    if (seen.has(l)) return;
    seen.add(l);
    for (const i of l.inputs) visit(i);
    order.push(l);
  };
  visit(root);
  return order;
}
