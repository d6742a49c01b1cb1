/**
 * Optimisers. Dense parameters are updated whole after every mini-batch; embedding tables only on the
 * rows the batch touched ("lazy" updates, as TensorFlow Addons' LazyAdam): a row's moments decay only
 * when the row is used, which is what makes training on large id tables cheap.
 */
export type OptimizerConfig =
  | { kind: "adam"; lr: number; beta1: number; beta2: number; eps: number }
  | { kind: "adagrad"; lr: number; initialAccumulator: number; eps: number };

export const DEFAULT_ADAM: OptimizerConfig = { kind: "adam", lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

/** Per-step constants, computed once per mini-batch. */
export interface StepContext {
  config: OptimizerConfig;
  /** Adam: lr·sqrt(1-β2^t)/(1-β1^t); Adagrad: lr. */
  lrT: number;
}

export function stepContext(config: OptimizerConfig, step: number): StepContext {
  if (config.kind === "adagrad") return { config, lrT: config.lr };
  const t = Math.max(1, step);
  return { config, lrT: (config.lr * Math.sqrt(1 - config.beta2 ** t)) / (1 - config.beta1 ** t) };
}

/**
 * Applies one update to w[off..off+n) from g[gOff..gOff+n). Used for whole dense tensors and for single
 * embedding rows alike.
 */
export function applyUpdate(
  ctx: StepContext,
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  off: number,
  g: Float32Array,
  gOff: number,
  n: number,
): void {
  const c = ctx.config;
  const lrT = ctx.lrT;
  if (c.kind === "adam") {
    const b1 = c.beta1;
    const b2 = c.beta2;
    const ob1 = 1 - b1;
    const ob2 = 1 - b2;
    const eps = c.eps;
    for (let k = 0; k < n; k++) {
      const gi = g[gOff + k];
      const i = off + k;
      const mi = b1 * m[i] + ob1 * gi;
      const vi = b2 * v[i] + ob2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
    }
  } else {
    // Adagrad keeps its accumulator in `m`; it starts at initialAccumulator (added here so zeroed state works).
    const a0 = c.initialAccumulator;
    const eps = c.eps;
    for (let k = 0; k < n; k++) {
      const gi = g[gOff + k];
      const i = off + k;
      const acc = m[i] + gi * gi;
      m[i] = acc;
      w[i] -= (lrT * gi) / (Math.sqrt(acc + a0) + eps);
    }
  }
}
