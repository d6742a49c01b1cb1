import { Rng } from "./rng.js";

/** How a parameter is initialised. */
export type Init =
  | { kind: "zeros" }
  | { kind: "normal"; std: number }
  /** Glorot/Xavier uniform over fanIn + fanOut (Keras' Dense default). */
  | { kind: "glorot"; fanIn: number; fanOut: number };

export interface ParamSpec {
  name: string;
  /** [rows, cols] for tables and matrices, [n] for biases. */
  shape: number[];
  /** Embedding tables get sparse (row-wise, lazy) optimiser updates; dense params get full updates. */
  sparse: boolean;
  init: Init;
}

export interface ParamLayoutEntry extends ParamSpec {
  offset: number;
  size: number;
}

/**
 * Every trainable float of a model, in one buffer (plus two optimiser-state buffers of the same size).
 * The buffers are SharedArrayBuffers so worker threads train the same weights in place (Hogwild).
 */
export interface ParamBuffers {
  weights: SharedArrayBuffer;
  /** Adam first moment, or Adagrad accumulator. */
  m: SharedArrayBuffer;
  /** Adam second moment. */
  v: SharedArrayBuffer;
  /** [0] = optimiser steps taken (for Adam's bias correction), shared by all workers. */
  steps: SharedArrayBuffer;
}

export class ParamStore {
  readonly layout: ParamLayoutEntry[];
  readonly total: number;
  readonly weights: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly steps: Int32Array;
  private readonly byName = new Map<string, ParamLayoutEntry>();

  constructor(specs: ParamSpec[], buffers?: ParamBuffers) {
    let offset = 0;
    this.layout = specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const e = { ...s, offset, size };
      offset += size;
      return e;
    });
    this.total = offset;
    for (const e of this.layout) {
      if (this.byName.has(e.name)) throw new Error(`duplicate parameter name ${e.name}`);
      this.byName.set(e.name, e);
    }
    const bytes = this.total * 4;
    const b = buffers ?? {
      weights: new SharedArrayBuffer(bytes),
      m: new SharedArrayBuffer(bytes),
      v: new SharedArrayBuffer(bytes),
      steps: new SharedArrayBuffer(4),
    };
    if (b.weights.byteLength !== bytes) {
      throw new Error(
        `parameter buffer holds ${b.weights.byteLength / 4} floats, the model needs ${this.total}`,
      );
    }
    this.weights = new Float32Array(b.weights);
    this.m = new Float32Array(b.m);
    this.v = new Float32Array(b.v);
    this.steps = new Int32Array(b.steps);
  }

  get buffers(): ParamBuffers {
    return {
      weights: this.weights.buffer as SharedArrayBuffer,
      m: this.m.buffer as SharedArrayBuffer,
      v: this.v.buffer as SharedArrayBuffer,
      steps: this.steps.buffer as SharedArrayBuffer,
    };
  }

  get(name: string): ParamLayoutEntry {
    const e = this.byName.get(name);
    if (!e) throw new Error(`no parameter named ${name}`);
    return e;
  }

  /** A view of one parameter's weights (shares memory). */
  view(name: string): Float32Array {
    const e = this.get(name);
    return this.weights.subarray(e.offset, e.offset + e.size);
  }

  /** Initialises every weight from the seed and clears the optimiser state. */
  initialise(seed: number): void {
    const rng = new Rng(seed);
    for (const e of this.layout) {
      const w = this.weights.subarray(e.offset, e.offset + e.size);
      const init = e.init;
      if (init.kind === "zeros") w.fill(0);
      else if (init.kind === "normal") for (let i = 0; i < w.length; i++) w[i] = init.std * rng.normal();
      else {
        const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
        for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * limit;
      }
    }
    this.m.fill(0);
    this.v.fill(0);
    this.steps[0] = 0;
  }
}
