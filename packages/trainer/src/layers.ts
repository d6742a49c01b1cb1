import type { GraphBuilder } from "@wren/onnx";
import type { Batch } from "./batch.js";
import { matmulForward, matmulInputGrad, matmulWeightGrad } from "./kernels.js";
import { applyUpdate, type StepContext } from "./optimizer.js";
import type { ParamStore } from "./params.js";

/** What a layer needs to emit itself as ONNX nodes. */
export interface OnnxContext {
  g: GraphBuilder;
  store: ParamStore;
  /** ONNX tensor name of a batch column: int32 [N] for id columns, float32 [N] for numeric ones. */
  column(name: string): string;
  /** An int64 constant (shapes, axes), created once per value. */
  int64(values: readonly number[]): string;
  /** The ONNX tensor of a layer already emitted (layers are emitted in graph order). */
  of(layer: Layer): string;
}

/**
 * A layer of a feed-forward graph over one mini-batch: `out` is [batch, width] row-major, `grad` is
 * dLoss/dOut of the same shape. Layers add their input gradients into their inputs' `grad`.
 * Buffers are sized once for the largest batch; inner loops allocate nothing.
 */
export abstract class Layer {
  readonly out: Float32Array;
  readonly grad: Float32Array;
  /** True when gradients must flow into this layer (it or something before it has parameters). */
  readonly trainable: boolean;

  constructor(
    readonly width: number,
    readonly maxBatch: number,
    readonly inputs: readonly Layer[],
    ownParams: boolean,
  ) {
    this.out = new Float32Array(width * maxBatch);
    this.grad = new Float32Array(width * maxBatch);
    this.trainable = ownParams || inputs.some((l) => l.trainable);
  }

  abstract forward(batch: Batch): void;
  /** Adds dLoss/dInput into the inputs' grad and accumulates own parameter gradients. */
  abstract backward(batch: Batch): void;
  /** Applies the optimiser to this layer's parameters using the gradients of the last backward(). */
  update(_ctx: StepContext): void {}
  /** Adds this layer's parameter gradients (from the last backward()) into a full-size buffer at the params' offsets. */
  collectGradients(_into: Float64Array): void {}
  /** Emits ONNX nodes computing `out` ([N, width] float32) and returns the tensor name. */
  abstract toOnnx(o: OnnxContext): string;
}

/** Looks up one embedding row per example from an integer id column (ids must be within the table). */
export class Embedding extends Layer {
  private readonly off: number;
  private readonly slotOf: Int32Array;
  private readonly touched: Int32Array;
  private readonly slotGrad: Float32Array;
  private nTouched = 0;

  constructor(
    private readonly store: ParamStore,
    readonly param: string,
    readonly column: string,
    maxBatch: number,
  ) {
    const e = store.get(param);
    super(e.shape[1], maxBatch, [], true);
    this.off = e.offset;
    this.rows = e.shape[0];
    this.slotOf = new Int32Array(this.rows).fill(-1);
    this.touched = new Int32Array(maxBatch);
    this.slotGrad = new Float32Array(maxBatch * this.width);
  }

  readonly rows: number;

  forward(batch: Batch): void {
    const ids = batch.ints[this.column];
    const w = this.store.weights;
    const d = this.width;
    const out = this.out;
    for (let b = 0; b < batch.size; b++) {
      const src = this.off + ids[b] * d;
      const dst = b * d;
      for (let k = 0; k < d; k++) out[dst + k] = w[src + k];
    }
  }

  /** Sums the gradient per distinct row (duplicates in a batch get one update, as TF's sparse optimisers). */
  backward(batch: Batch): void {
    const ids = batch.ints[this.column];
    const d = this.width;
    const g = this.grad;
    const sg = this.slotGrad;
    const slotOf = this.slotOf;
    let n = this.nTouched;
    for (let b = 0; b < batch.size; b++) {
      const row = ids[b];
      let s = slotOf[row];
      const src = b * d;
      if (s < 0) {
        s = n++;
        slotOf[row] = s;
        this.touched[s] = row;
        const dst = s * d;
        for (let k = 0; k < d; k++) sg[dst + k] = g[src + k];
      } else {
        const dst = s * d;
        for (let k = 0; k < d; k++) sg[dst + k] += g[src + k];
      }
    }
    this.nTouched = n;
  }

  override update(ctx: StepContext): void {
    const d = this.width;
    const { weights, m, v } = this.store;
    for (let s = 0; s < this.nTouched; s++) {
      const row = this.touched[s];
      applyUpdate(ctx, weights, m, v, this.off + row * d, this.slotGrad, s * d, d);
      this.slotOf[row] = -1;
    }
    this.nTouched = 0;
  }

  override collectGradients(into: Float64Array): void {
    const d = this.width;
    for (let s = 0; s < this.nTouched; s++) {
      const base = this.off + this.touched[s] * d;
      for (let k = 0; k < d; k++) into[base + k] += this.slotGrad[s * d + k];
    }
  }

  toOnnx(o: OnnxContext): string {
    const table = o.g.initializer(this.param, this.store.view(this.param).slice(), [this.rows, this.width]);
    return o.g.op("Gather", [table, o.column(this.column)], { axis: 0 });
  }
}

/** Numeric columns, standardised with fixed statistics: (x - mean) / std. No parameters. */
export class Numeric extends Layer {
  private readonly invStd: Float32Array;

  constructor(
    readonly columns: readonly string[],
    readonly mean: Float32Array,
    readonly std: Float32Array,
    maxBatch: number,
  ) {
    super(columns.length, maxBatch, [], false);
    this.invStd = new Float32Array(std.length);
    for (let i = 0; i < std.length; i++) this.invStd[i] = 1 / std[i];
  }

  forward(batch: Batch): void {
    const n = this.width;
    for (let c = 0; c < n; c++) {
      const x = batch.floats[this.columns[c]];
      const mu = this.mean[c];
      const is = this.invStd[c];
      for (let b = 0; b < batch.size; b++) this.out[b * n + c] = (x[b] - mu) * is;
    }
  }

  backward(): void {}

  toOnnx(o: OnnxContext): string {
    const axes = o.int64([1]);
    const cols = this.columns.map((c) => o.g.op("Unsqueeze", [o.column(c), axes]));
    const x = cols.length === 1 ? cols[0] : o.g.op("Concat", cols, { axis: 1 });
    const centred = o.g.op("Sub", [x, o.g.constant(this.mean.slice(), [this.width])]);
    return o.g.op("Mul", [centred, o.g.constant(this.invStd.slice(), [this.width])]);
  }
}

/** Fully connected layer y = act(x·Wᵀ + b) with W stored [out, in] (as PyTorch and ONNX Gemm transB=1). */
export class Dense extends Layer {
  private readonly wOff: number;
  private readonly bOff: number;
  private readonly gW: Float32Array;
  private readonly gB: Float32Array;
  readonly inWidth: number;

  constructor(
    private readonly store: ParamStore,
    readonly name: string,
    readonly input: Layer,
    readonly relu: boolean,
    maxBatch: number,
  ) {
    const w = store.get(`${name}.weight`);
    super(w.shape[0], maxBatch, [input], true);
    this.inWidth = w.shape[1];
    if (this.inWidth !== input.width)
      throw new Error(`${name}: weight expects ${this.inWidth} inputs, the layer below gives ${input.width}`);
    this.wOff = w.offset;
    this.bOff = store.get(`${name}.bias`).offset;
    this.gW = new Float32Array(w.size);
    this.gB = new Float32Array(this.width);
  }

  forward(batch: Batch): void {
    const y = this.out;
    const n = batch.size;
    matmulForward(this.input.out, this.store.weights, this.wOff, this.bOff, y, n, this.inWidth, this.width);
    if (this.relu) for (let k = 0, e = n * this.width; k < e; k++) if (y[k] < 0) y[k] = 0;
  }

  backward(batch: Batch): void {
    const n = batch.size;
    const g = this.grad;
    if (this.relu) {
      const y = this.out;
      for (let k = 0, e = n * this.width; k < e; k++) if (y[k] <= 0) g[k] = 0;
    }
    matmulWeightGrad(g, this.input.out, this.gW, this.gB, n, this.inWidth, this.width);
    if (this.input.trainable)
      matmulInputGrad(g, this.store.weights, this.wOff, this.input.grad, n, this.inWidth, this.width);
  }

  override update(ctx: StepContext): void {
    const { weights, m, v } = this.store;
    applyUpdate(ctx, weights, m, v, this.wOff, this.gW, 0, this.gW.length);
    applyUpdate(ctx, weights, m, v, this.bOff, this.gB, 0, this.gB.length);
  }

  override collectGradients(into: Float64Array): void {
    for (let i = 0; i < this.gW.length; i++) into[this.wOff + i] += this.gW[i];
    for (let i = 0; i < this.gB.length; i++) into[this.bOff + i] += this.gB[i];
  }

  toOnnx(o: OnnxContext): string {
    const w = o.g.initializer(`${this.name}.weight`, this.store.view(`${this.name}.weight`).slice(), [
      this.width,
      this.inWidth,
    ]);
    const b = o.g.initializer(`${this.name}.bias`, this.store.view(`${this.name}.bias`).slice(), [
      this.width,
    ]);
    const y = o.g.op("Gemm", [o.of(this.input), w, b], { transB: 1 });
    return this.relu ? o.g.op("Relu", [y]) : y;
  }
}

/** Concatenation along the feature axis. */
export class Concat extends Layer {
  constructor(inputs: readonly Layer[], maxBatch: number) {
    super(
      inputs.reduce((a, l) => a + l.width, 0),
      maxBatch,
      inputs,
      false,
    );
  }

  forward(batch: Batch): void {
    const n = this.width;
    let off = 0;
    for (const l of this.inputs) {
      const d = l.width;
      const src = l.out;
      for (let b = 0; b < batch.size; b++) {
        const so = b * d;
        const dOff = b * n + off;
        for (let k = 0; k < d; k++) this.out[dOff + k] = src[so + k];
      }
      off += d;
    }
  }

  backward(batch: Batch): void {
    const n = this.width;
    let off = 0;
    for (const l of this.inputs) {
      const d = l.width;
      if (l.trainable) {
        const g = l.grad;
        for (let b = 0; b < batch.size; b++) {
          const go = b * d;
          const sOff = b * n + off;
          for (let k = 0; k < d; k++) g[go + k] += this.grad[sOff + k];
        }
      }
      off += d;
    }
  }

  toOnnx(o: OnnxContext): string {
    return o.g.op(
      "Concat",
      this.inputs.map((l) => o.of(l)),
      { axis: 1 },
    );
  }
}

/** Element-wise product of two layers of equal width (NeuMF's GMF branch). */
export class Multiply extends Layer {
  constructor(
    readonly a: Layer,
    readonly b: Layer,
    maxBatch: number,
  ) {
    if (a.width !== b.width) throw new Error(`Multiply: widths ${a.width} and ${b.width} differ`);
    super(a.width, maxBatch, [a, b], false);
  }

  forward(batch: Batch): void {
    const n = batch.size * this.width;
    const x = this.a.out;
    const y = this.b.out;
    for (let i = 0; i < n; i++) this.out[i] = x[i] * y[i];
  }

  backward(batch: Batch): void {
    const n = batch.size * this.width;
    const x = this.a.out;
    const y = this.b.out;
    const g = this.grad;
    const gx = this.a.grad;
    const gy = this.b.grad;
    for (let i = 0; i < n; i++) {
      gx[i] += g[i] * y[i];
      gy[i] += g[i] * x[i];
    }
  }

  toOnnx(o: OnnxContext): string {
    return o.g.op("Mul", [o.of(this.a), o.of(this.b)]);
  }
}

/** Row-wise dot product of two layers of equal width → width 1 (two-tower score). */
export class Dot extends Layer {
  constructor(
    readonly a: Layer,
    readonly b: Layer,
    maxBatch: number,
  ) {
    if (a.width !== b.width) throw new Error(`Dot: widths ${a.width} and ${b.width} differ`);
    super(1, maxBatch, [a, b], false);
  }

  forward(batch: Batch): void {
    const d = this.a.width;
    const x = this.a.out;
    const y = this.b.out;
    for (let b = 0; b < batch.size; b++) {
      let s = 0;
      const o = b * d;
      for (let k = 0; k < d; k++) s += x[o + k] * y[o + k];
      this.out[b] = s;
    }
  }

  backward(batch: Batch): void {
    const d = this.a.width;
    const x = this.a.out;
    const y = this.b.out;
    const gx = this.a.grad;
    const gy = this.b.grad;
    for (let b = 0; b < batch.size; b++) {
      const g = this.grad[b];
      const o = b * d;
      for (let k = 0; k < d; k++) {
        gx[o + k] += g * y[o + k];
        gy[o + k] += g * x[o + k];
      }
    }
  }

  toOnnx(o: OnnxContext): string {
    const prod = o.g.op("Mul", [o.of(this.a), o.of(this.b)]);
    return o.g.op("ReduceSum", [prod, o.int64([1])], { keepdims: 1 });
  }
}

/** Sum of layers of equal width (the logit of Wide&Deep and DeepFM adds its parts). */
export class Add extends Layer {
  constructor(inputs: readonly Layer[], maxBatch: number) {
    const w = inputs[0].width;
    if (inputs.some((l) => l.width !== w)) throw new Error("Add: inputs must have equal widths");
    super(w, maxBatch, inputs, false);
  }

  forward(batch: Batch): void {
    const n = batch.size * this.width;
    const first = this.inputs[0].out;
    for (let i = 0; i < n; i++) this.out[i] = first[i];
    for (let l = 1; l < this.inputs.length; l++) {
      const x = this.inputs[l].out;
      for (let i = 0; i < n; i++) this.out[i] += x[i];
    }
  }

  backward(batch: Batch): void {
    const n = batch.size * this.width;
    for (const l of this.inputs) {
      if (!l.trainable) continue;
      const g = l.grad;
      for (let i = 0; i < n; i++) g[i] += this.grad[i];
    }
  }

  toOnnx(o: OnnxContext): string {
    let s = o.of(this.inputs[0]);
    for (let l = 1; l < this.inputs.length; l++) s = o.g.op("Add", [s, o.of(this.inputs[l])]);
    return s;
  }
}

/** Sums each row to one value: [N, d] → [N, 1] (DeepFM's first-order terms). */
export class RowSum extends Layer {
  constructor(
    readonly input: Layer,
    maxBatch: number,
  ) {
    super(1, maxBatch, [input], false);
  }

  forward(batch: Batch): void {
    const d = this.input.width;
    const x = this.input.out;
    for (let b = 0; b < batch.size; b++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[b * d + k];
      this.out[b] = s;
    }
  }

  backward(batch: Batch): void {
    const d = this.input.width;
    const gx = this.input.grad;
    for (let b = 0; b < batch.size; b++) {
      const g = this.grad[b];
      for (let k = 0; k < d; k++) gx[b * d + k] += g;
    }
  }

  toOnnx(o: OnnxContext): string {
    return o.g.op("ReduceSum", [o.of(this.input), o.int64([1])], { keepdims: 1 });
  }
}

/**
 * Factorisation-machine second-order term over `fields` embeddings of width d laid side by side
 * ([N, fields·d]): ½ Σ_k ((Σ_f v_fk)² − Σ_f v_fk²) → [N, 1] (Rendle 2010; DeepFM's FM component).
 */
export class FactorizationMachine extends Layer {
  private readonly sums: Float32Array;

  constructor(
    readonly input: Layer,
    readonly fields: number,
    maxBatch: number,
  ) {
    super(1, maxBatch, [input], false);
    if (input.width % fields !== 0) throw new Error(`FM: width ${input.width} is not ${fields} fields`);
    this.sums = new Float32Array((input.width / fields) * maxBatch);
  }

  forward(batch: Batch): void {
    const f = this.fields;
    const n = this.input.width;
    const d = n / f;
    const x = this.input.out;
    for (let b = 0; b < batch.size; b++) {
      let total = 0;
      for (let k = 0; k < d; k++) {
        let s = 0;
        let sq = 0;
        for (let j = 0; j < f; j++) {
          const v = x[b * n + j * d + k];
          s += v;
          sq += v * v;
        }
        this.sums[b * d + k] = s;
        total += s * s - sq;
      }
      this.out[b] = 0.5 * total;
    }
  }

  /** d/dv_fk = Σ_f' v_f'k − v_fk. */
  backward(batch: Batch): void {
    const f = this.fields;
    const n = this.input.width;
    const d = n / f;
    const x = this.input.out;
    const gx = this.input.grad;
    for (let b = 0; b < batch.size; b++) {
      const g = this.grad[b];
      for (let j = 0; j < f; j++) {
        for (let k = 0; k < d; k++) {
          const i = b * n + j * d + k;
          gx[i] += g * (this.sums[b * d + k] - x[i]);
        }
      }
    }
  }

  toOnnx(o: OnnxContext): string {
    const d = this.input.width / this.fields;
    const x = o.g.op("Reshape", [o.of(this.input), o.int64([-1, this.fields, d])]);
    const sum = o.g.op("ReduceSum", [x, o.int64([1])], { keepdims: 0 });
    const sumSq = o.g.op("Mul", [sum, sum]);
    const sq = o.g.op("Mul", [x, x]);
    const sqSum = o.g.op("ReduceSum", [sq, o.int64([1])], { keepdims: 0 });
    const diff = o.g.op("Sub", [sumSq, sqSum]);
    const total = o.g.op("ReduceSum", [diff, o.int64([1])], { keepdims: 1 });
    return o.g.op("Mul", [total, o.g.constant(new Float32Array([0.5]), [1])]);
  }
}
