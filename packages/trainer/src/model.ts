import { GraphBuilder, type SignatureDefSpec, type TensorSpec } from "@wren/onnx";
import type { ColumnData } from "./data.js";
import { Graph } from "./graph.js";
import type { Layer } from "./layers.js";
import { type ParamBuffers, type ParamSpec, ParamStore } from "./params.js";

export const MODEL_KINDS = ["neuralcf", "embedding-mlp", "wide-deep", "deepfm", "two-tower"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** One input of the exported signature, fed from the batch column of the same name. */
export interface InputSpec {
  /** Alias clients send (= the feature / sample column name). */
  name: string;
  dtype: "int32" | "float32";
  /** Inclusive valid id range (embedding table bounds or vocabulary size). */
  range?: { min: number; max: number };
  doc: string;
}

/** A model's JSON-serialisable description: enough to rebuild its graph in a worker or from a checkpoint. */
export interface ModelSpecBase {
  kind: ModelKind;
}

export interface BuiltGraph {
  graph: Graph;
  /** Two-tower only: the user and item tower outputs. */
  towers?: { user: Layer; item: Layer };
}

export interface ModelDefinition<S extends ModelSpecBase> {
  kind: S["kind"];
  params(spec: S): ParamSpec[];
  /** Builds the layers over `store`; returns the final logit layer (width 1). */
  build(spec: S, store: ParamStore, maxBatch: number): { logit: Layer; towers?: BuiltGraph["towers"] };
  inputs(spec: S): InputSpec[];
  /** Output alias in the signature ("dense_2" for NeuralCF, as the reference SavedModel). */
  outputAlias: string;
  /** Columns computed from others before batching (e.g. a hashed cross); must match the ONNX graph's. */
  derived?: Array<{
    column: string;
    compute(spec: S, data: ColumnData): Int32Array;
    toOnnx(spec: S, g: GraphBuilder, column: (name: string) => string): string;
  }>;
  /** Categorical vocabularies clients map strings through before sending ids. */
  vocabularies?(spec: S): Record<string, string[]>;
}

/** A model: its definition, its spec and its weights (possibly shared with worker threads). */
export class Model<S extends ModelSpecBase = ModelSpecBase> {
  readonly store: ParamStore;

  constructor(
    readonly def: ModelDefinition<S>,
    readonly spec: S,
    buffers?: ParamBuffers,
  ) {
    this.store = new ParamStore(def.params(spec), buffers);
  }

  get kind(): ModelKind {
    return this.spec.kind;
  }

  inputs(): InputSpec[] {
    return this.def.inputs(this.spec);
  }

  /** Batch columns: signature inputs plus derived ones. */
  intColumns(): string[] {
    return [
      ...this.inputs()
        .filter((i) => i.dtype === "int32")
        .map((i) => i.name),
      ...(this.def.derived ?? []).map((d) => d.column),
    ];
  }

  floatColumns(): string[] {
    return this.inputs()
      .filter((i) => i.dtype === "float32")
      .map((i) => i.name);
  }

  /** A fresh graph (own activation buffers) over the shared weights. */
  build(maxBatch: number): BuiltGraph {
    const { logit, towers } = this.def.build(this.spec, this.store, maxBatch);
    return { graph: new Graph(logit, this.store), towers };
  }

  /** Adds derived columns to `data` in place (idempotent). */
  derive(data: ColumnData): void {
    for (const d of this.def.derived ?? []) data.ints[d.column] = d.compute(this.spec, data);
  }

  signature(): SignatureDefSpec {
    const inputs: Record<string, TensorSpec> = {};
    for (const i of this.inputs()) {
      inputs[i.name] = {
        onnxName: i.name,
        dtype: i.dtype === "int32" ? "DT_INT32" : "DT_FLOAT",
        shape: [-1],
        ...(i.range ? { range: i.range } : {}),
      };
    }
    const out = this.def.outputAlias;
    return {
      inputs,
      outputs: { [out]: { onnxName: out, dtype: "DT_FLOAT", shape: [-1, 1] } },
      methodName: "tensorflow/serving/predict",
    };
  }

  /** The ONNX graph: inputs named as the signature, output the sigmoid probability [N, 1]. */
  toOnnx(): Uint8Array {
    const g = new GraphBuilder();
    const columns = new Map<string, string>();
    for (const i of this.inputs()) columns.set(i.name, g.input(i.name, i.dtype, [-1]));
    const column = (name: string) => {
      const c = columns.get(name);
      if (c === undefined) throw new Error(`graph column ${name} is not an input`);
      return c;
    };
    for (const d of this.def.derived ?? []) columns.set(d.column, d.toOnnx(this.spec, g, column));
    const int64s = new Map<string, string>();
    const { graph } = this.build(1);
    const logit = graph.toOnnx({
      g,
      store: this.store,
      column,
      int64(values) {
        const key = values.join(",");
        let name = int64s.get(key);
        if (name === undefined) {
          name = g.constant(BigInt64Array.from(values.map(BigInt)), [values.length]);
          int64s.set(key, name);
        }
        return name;
      },
    });
    const prob = g.op("Sigmoid", [logit]);
    g.output(prob, "float32", [-1, 1], this.def.outputAlias);
    return g.toModel({ opset: 17, producer: "wren-trainer", docString: `Wren ${this.kind} ranking model` });
  }
}
