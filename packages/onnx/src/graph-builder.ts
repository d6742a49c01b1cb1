import {
  type AttributeValue,
  type Dim,
  encodeModel,
  type NodeData,
  type OnnxDtype,
  type TensorData,
  type ValueInfoData,
} from "./onnx-proto.js";

export type { Dim, OnnxDtype } from "./onnx-proto.js";

export type TensorArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/**
 * Attribute values. Plain numbers are INT when integral and FLOAT otherwise; wrap with `attr.float(1)`
 * where ONNX wants a FLOAT that happens to be integral (e.g. Gemm's alpha).
 */
export type AttrInput =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | Float32Array
  | AttributeValue;

export const attr = {
  float: (value: number): AttributeValue => ({ kind: "float", value }),
  int: (value: number): AttributeValue => ({ kind: "int", value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: "floats", value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: "ints", value }),
  string: (value: string): AttributeValue => ({ kind: "string", value }),
  /** A tensor-valued attribute, e.g. ConstantOfShape's `value`. */
  tensor: (data: TensorArray, dims: readonly number[], dtype?: OnnxDtype): AttributeValue => ({
    kind: "tensor",
    value: tensorData("", data, dims, dtype),
  }),
};

function isAttributeValue(v: AttrInput): v is AttributeValue {
  return typeof v === "object" && v !== null && "kind" in v && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function toAttribute(name: string, v: AttrInput): AttributeValue {
  if (isAttributeValue(v)) return v;
  if (typeof v === "number") return Number.isInteger(v) ? attr.int(v) : attr.float(v);
  if (typeof v === "string") return attr.string(v);
  if (v instanceof Float32Array) return attr.floats(Array.from(v));
  const list = v as readonly (number | string)[];
  if (list.every((x) => typeof x === "string")) return { kind: "strings", value: list as string[] };
  if (list.every((x) => typeof x === "number")) {
    const nums = list as number[];
    return nums.every(Number.isInteger) ? attr.ints(nums) : attr.floats(nums);
  }
  throw new Error(`attribute ${name}: a list must hold only numbers or only strings`);
}

function dtypeOf(data: TensorArray): OnnxDtype {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int8Array) return "int8";
  return "uint8";
}

const ELEMENT_BYTES: Record<OnnxDtype, number> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  bool: 1,
};

function tensorData(name: string, data: TensorArray, dims: readonly number[], dtype?: OnnxDtype): TensorData {
  const type = dtype ?? dtypeOf(data);
  if (ELEMENT_BYTES[type] !== data.BYTES_PER_ELEMENT)
    throw new Error(`tensor ${name}: a ${data.constructor.name} cannot hold ${type}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(
      `tensor ${name}: dims [${dims.join(",")}] hold ${count} elements but data has ${data.length}`,
    );
  // Typed arrays are little-endian on every platform onnxruntime-node ships for.
  return { name, dtype: type, dims, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The IR version that matches an ai.onnx opset (onnx/docs/Versioning.md). */
function irVersionFor(opset: number): number {
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  return 7;
}

export interface ModelOptions {
  /** ai.onnx opset version; 17 by default. */
  opset?: number;
  producer?: string;
  producerVersion?: string;
  docString?: string;
  /** ModelProto.metadata_props. */
  metadata?: Record<string, string>;
  graphName?: string;
}

/**
 * Builds an ONNX inference graph. Tensor names are checked as nodes are added, so a typo fails here with
 * the name of the node rather than later inside onnxruntime.
 *
 * ```ts
 * const g = new GraphBuilder();
 * const ids = g.input("userId", "int32", [-1]);
 * const table = g.initializer("userEmb", weights, [30001, 10]);
 * const emb = g.op("Gather", [table, ids], { axis: 0 });
 * g.output(g.op("Sigmoid", [emb]), "float32", [-1, 10], "score");
 * const bytes = g.toModel({ opset: 17, producer: "wren" });
 * ```
 */
export class GraphBuilder {
  private readonly inputs: ValueInfoData[] = [];
  private readonly outputs: ValueInfoData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly nodes: NodeData[] = [];
  private readonly defined = new Set<string>();
  private counter = 0;

  /** A fresh tensor name that is not used yet. */
  uniqueName(prefix = "t"): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.defined.has(name));
    return name;
  }

  private define(name: string, what: string): void {
    if (!name) throw new Error(`${what}: tensor name must not be empty`);
    if (this.defined.has(name)) throw new Error(`${what}: tensor name "${name}" is already defined`);
    this.defined.add(name);
  }

  /** Declares a graph input. Use -1 (or a symbolic name) for the batch dimension. */
  input(name: string, dtype: OnnxDtype, dims: readonly Dim[]): string {
    this.define(name, `input ${name}`);
    this.inputs.push({ name, dtype, dims });
    return name;
  }

  /** A constant tensor (weights). The dtype follows the typed array unless given (e.g. "bool" over Uint8Array). */
  initializer(name: string, data: TensorArray, dims: readonly number[], dtype?: OnnxDtype): string {
    this.define(name, `initializer ${name}`);
    this.initializers.push(tensorData(name, data, dims, dtype));
    return name;
  }

  /** An initializer with a generated name. */
  constant(data: TensorArray, dims: readonly number[], dtype?: OnnxDtype): string {
    return this.initializer(this.uniqueName("const"), data, dims, dtype);
  }

  /** Adds a node with explicit output names and returns them. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrInput> = {},
    opts: { name?: string; domain?: string } = {},
  ): string[] {
    const name = opts.name ?? this.uniqueName(opType);
    for (const i of inputs)
      if (i !== "" && !this.defined.has(i))
        throw new Error(`node ${name} (${opType}): input "${i}" is not defined yet`);
    for (const o of outputs) this.define(o, `node ${name} (${opType}) output`);
    const attributes = Object.entries(attrs).map(([k, v]): [string, AttributeValue] => [
      k,
      toAttribute(k, v),
    ]);
    this.nodes.push({ opType, name, inputs, outputs, attributes, domain: opts.domain });
    return [...outputs];
  }

  /** Adds a single-output node and returns its (generated unless given) output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrInput> = {},
    output?: string,
  ): string {
    const out = output ?? this.uniqueName(opType.toLowerCase());
    this.node(opType, inputs, [out], attrs);
    return out;
  }

  /**
   * Declares a graph output. With `alias`, the tensor is exposed under that name through an Identity node,
   * so internal names can stay generated while clients see e.g. `dense_2`.
   */
  output(name: string, dtype: OnnxDtype, dims: readonly Dim[], alias?: string): string {
    if (!this.defined.has(name)) throw new Error(`output ${name}: tensor is not defined`);
    let exposed = name;
    if (alias && alias !== name) exposed = this.op("Identity", [name], {}, alias);
    if (this.outputs.some((o) => o.name === exposed)) throw new Error(`output ${exposed} is declared twice`);
    this.outputs.push({ name: exposed, dtype, dims });
    return exposed;
  }

  /** Serialises the graph as an ONNX ModelProto. */
  toModel(opts: ModelOptions = {}): Uint8Array {
    if (this.outputs.length === 0) throw new Error("graph has no outputs");
    const opset = opts.opset ?? 17;
    return encodeModel({
      irVersion: irVersionFor(opset),
      opsets: [{ domain: "", version: opset }],
      producerName: opts.producer ?? "wren",
      producerVersion: opts.producerVersion ?? "0.1.0",
      docString: opts.docString,
      metadata: opts.metadata,
      graph: {
        name: opts.graphName ?? "main",
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }
}
