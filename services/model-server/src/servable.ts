/**
 * One loaded model version: an onnxruntime session plus the signatures from signature.json, reference
 * counted so an unloaded version stays alive until the requests already running on it finish.
 */
import {
  type ModelSignatureFile,
  type ModelVersion,
  readModelVersion,
  type SignatureDefSpec,
  type TensorSpec,
  type TfDtype,
} from "@wren/onnx";
import { allocTensor, type Tensor, TF_DTYPE_SHORT } from "@wren/tfserving-client";
import * as ort from "onnxruntime-node";
import type { NamedTensors } from "./json-response.js";
import { invalidArgument, TfCode, TfError } from "./tf-error.js";

const ORT_TYPE: Record<TfDtype, ort.Tensor.Type> = {
  DT_FLOAT: "float32",
  DT_DOUBLE: "float64",
  DT_INT32: "int32",
  DT_INT64: "int64",
  DT_BOOL: "bool",
  DT_STRING: "string",
};

/** ONNX types a TF dtype may be fed to or read from, converting on the way (e.g. an int64 export of an int32 input). */
const COMPATIBLE: Record<TfDtype, ort.Tensor.Type[]> = {
  DT_FLOAT: ["float32", "float64"],
  DT_DOUBLE: ["float64", "float32"],
  DT_INT32: ["int32", "int64"],
  DT_INT64: ["int64", "int32"],
  DT_BOOL: ["bool"],
  DT_STRING: ["string"],
};

function toOrt(t: Tensor, type: ort.Tensor.Type): ort.Tensor {
  const dims = t.dims;
  switch (t.dtype) {
    case "DT_STRING":
      return new ort.Tensor(
        "string",
        t.data.map((b) => Buffer.from(b).toString("utf8")),
        dims,
      );
    case "DT_INT32":
      return type === "int64"
        ? new ort.Tensor(
            "int64",
            BigInt64Array.from(t.data, (v) => BigInt(v)),
            dims,
          )
        : new ort.Tensor("int32", t.data, dims);
    case "DT_INT64":
      return type === "int32"
        ? new ort.Tensor(
            "int32",
            Int32Array.from(t.data, (v) => Number(v)),
            dims,
          )
        : new ort.Tensor("int64", t.data, dims);
    case "DT_FLOAT":
      return type === "float64"
        ? new ort.Tensor("float64", Float64Array.from(t.data), dims)
        : new ort.Tensor("float32", t.data, dims);
    case "DT_DOUBLE":
      return type === "float32"
        ? new ort.Tensor("float32", Float32Array.from(t.data), dims)
        : new ort.Tensor("float64", t.data, dims);
    case "DT_BOOL":
      return new ort.Tensor("bool", t.data, dims);
  }
}

function fromOrt(v: ort.Tensor, dtype: TfDtype): Tensor {
  const dims = [...v.dims];
  const src = v.data as ArrayLike<number | bigint | string>;
  // The runtime's own typed array when the types agree (a model's float scores): no copy.
  if (
    (dtype === "DT_FLOAT" && src instanceof Float32Array) ||
    (dtype === "DT_DOUBLE" && src instanceof Float64Array) ||
    (dtype === "DT_INT32" && src instanceof Int32Array) ||
    (dtype === "DT_INT64" && src instanceof BigInt64Array)
  )
    return { dtype, dims, data: src } as Tensor;
  const out = allocTensor(dtype, dims);
  switch (out.dtype) {
    case "DT_FLOAT":
    case "DT_DOUBLE":
    case "DT_INT32":
      for (let i = 0; i < src.length; i++) out.data[i] = Number(src[i]);
      return out;
    case "DT_INT64":
      for (let i = 0; i < src.length; i++) out.data[i] = BigInt(src[i] as number);
      return out;
    case "DT_BOOL":
      for (let i = 0; i < src.length; i++) out.data[i] = src[i] ? 1 : 0;
      return out;
    case "DT_STRING":
      for (let i = 0; i < src.length; i++) out.data[i] = Buffer.from(String(src[i]), "utf8");
      return out;
  }
}

function checkRange(alias: string, spec: TensorSpec, t: Tensor): void {
  const range = spec.range;
  if (!range || (t.dtype !== "DT_INT32" && t.dtype !== "DT_INT64")) return;
  const { min, max } = range;
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    // Mirrors the assert_greater_or_equal_0 / assert_less_than_num_buckets ops of TF categorical columns.
    if (v < min || v > max)
      throw invalidArgument(
        `assertion failed: input ${alias} value ${data[i]} at index ${i} is outside the valid id range [${min}, ${max}]`,
      );
  }
}

/** A categorical input the servable maps from strings to the graph's ids (unknown and empty → id 0). */
interface Lookup {
  ids: Map<string, number>;
  /** The id dtype signature.json gives the graph's input. */
  idDtype: TfDtype;
}

/**
 * The signatures clients see: an input with a vocabulary in signature.json takes strings (DT_STRING), as a
 * TF model with a StringLookup layer in its graph does, and the servable maps them to the ids the ONNX
 * graph was exported with, exactly as training mapped the samples.
 */
function withLookups(file: ModelSignatureFile): {
  file: ModelSignatureFile;
  /** By the client-facing input spec, so each signature's inputs keep their own. */
  lookups: Map<TensorSpec, Lookup>;
} {
  const lookups = new Map<TensorSpec, Lookup>();
  const vocabularies = file.vocabularies ?? {};
  const signatures: Record<string, SignatureDefSpec> = {};
  for (const [key, sig] of Object.entries(file.signatures)) {
    const inputs: Record<string, TensorSpec> = {};
    for (const [alias, spec] of Object.entries(sig.inputs)) {
      const vocab = Object.hasOwn(vocabularies, alias) ? vocabularies[alias] : undefined;
      if (!vocab || (spec.dtype !== "DT_INT32" && spec.dtype !== "DT_INT64")) {
        inputs[alias] = spec;
        continue;
      }
      const { range: _ids, ...rest } = spec;
      inputs[alias] = { ...rest, dtype: "DT_STRING" };
      lookups.set(inputs[alias], { ids: new Map(vocab.map((v, i) => [v, i])), idDtype: spec.dtype });
    }
    signatures[key] = { ...sig, inputs };
  }
  return { file: { ...file, signatures }, lookups };
}

/** Strings through the vocabulary into the id tensor the graph takes. */
function lookUp(t: Tensor, lookup: Lookup): Tensor {
  const out = allocTensor(lookup.idDtype, t.dims);
  const strings = t.data as Uint8Array[];
  for (let i = 0; i < strings.length; i++) {
    const id = lookup.ids.get(Buffer.from(strings[i]).toString("utf8")) ?? 0;
    out.data[i] = out.dtype === "DT_INT64" ? BigInt(id) : id;
  }
  return out;
}

export class Servable {
  private refs = 0;
  private retired = false;
  private drained?: () => void;
  /** Signatures as clients see them (see withLookups). */
  readonly signatureFile: ModelSignatureFile;
  private readonly lookups: Map<TensorSpec, Lookup>;

  private constructor(
    readonly modelName: string,
    readonly version: number,
    readonly dir: string,
    exported: ModelSignatureFile,
    private readonly session: ort.InferenceSession,
    private readonly onnxTypes: Map<string, ort.Tensor.Type>,
  ) {
    ({ file: this.signatureFile, lookups: this.lookups } = withLookups(exported));
  }

  /** Loads, validates the signature against the graph, and warms the session before it is served. */
  static async load(modelName: string, dir: string): Promise<Servable> {
    const files: ModelVersion = await readModelVersion(dir);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(files.onnx, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
    } catch (err) {
      throw new Error(`${dir}/model.onnx: onnxruntime cannot load it (${(err as Error).message})`);
    }
    try {
      const types = new Map<string, ort.Tensor.Type>();
      for (const m of [...session.inputMetadata, ...session.outputMetadata])
        if (m.isTensor) types.set(m.name, m.type);
      const servable = new Servable(modelName, files.version, dir, files.signature, session, types);
      servable.validate();
      await servable.warm();
      return servable;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  private validate(): void {
    const where = `${this.dir}/signature.json`;
    for (const [key, sig] of Object.entries(this.signatureFile.signatures)) {
      const fed = new Set<string>();
      for (const [kind, specs, names] of [
        ["input", sig.inputs, this.session.inputNames],
        ["output", sig.outputs, this.session.outputNames],
      ] as const) {
        for (const [alias, spec] of Object.entries(specs)) {
          if (!names.includes(spec.onnxName))
            throw new Error(
              `${where}: signature ${key} ${kind} ${alias} names ONNX tensor "${spec.onnxName}", which the graph does not have (it has ${names.join(", ")})`,
            );
          const type = this.onnxTypes.get(spec.onnxName);
          const fedAs = this.lookups.get(spec)?.idDtype ?? spec.dtype;
          if (type && !COMPATIBLE[fedAs].includes(type))
            throw new Error(
              `${where}: signature ${key} ${kind} ${alias} is ${spec.dtype} but the graph's ${spec.onnxName} is ${type}`,
            );
          if (kind === "input") fed.add(spec.onnxName);
        }
      }
      const unfed = this.session.inputNames.filter((n) => !fed.has(n));
      if (unfed.length > 0)
        throw new Error(`${where}: signature ${key} does not feed graph inputs ${unfed.join(", ")}`);
    }
  }

  /** One run per signature with a batch of one, so the first real request does not pay lazy initialisation. */
  private async warm(): Promise<void> {
    for (const sig of Object.values(this.signatureFile.signatures)) {
      const inputs = new Map<string, Tensor>();
      for (const [alias, spec] of Object.entries(sig.inputs)) {
        const t = allocTensor(
          spec.dtype,
          spec.shape.map((d) => (d < 0 ? 1 : d)),
        );
        if (t.dtype === "DT_STRING") t.data.fill(new Uint8Array(0));
        else if (spec.range && t.dtype === "DT_INT32") t.data.fill(spec.range.min);
        else if (spec.range && t.dtype === "DT_INT64") t.data.fill(BigInt(spec.range.min));
        inputs.set(alias, t);
      }
      await this.runValidated(sig, inputs, Object.keys(sig.outputs));
    }
  }

  signature(key: string): SignatureDefSpec | undefined {
    return Object.hasOwn(this.signatureFile.signatures, key) ? this.signatureFile.signatures[key] : undefined;
  }

  /** Validates and runs inputs whose aliases match the signature. */
  async run(
    sig: SignatureDefSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputAliases: readonly string[],
  ): Promise<NamedTensors> {
    this.validateInputs(sig, inputs);
    return this.runValidated(sig, inputs, outputAliases);
  }

  /** dtypes are checked as the TF runtime checks them, id ranges as TF's categorical-column assertions do. */
  validateInputs(sig: SignatureDefSpec, inputs: ReadonlyMap<string, Tensor>): void {
    const aliases = Object.keys(sig.inputs).sort();
    aliases.forEach((alias, i) => {
      const t = inputs.get(alias) as Tensor;
      const spec = sig.inputs[alias];
      if (t.dtype !== spec.dtype)
        throw invalidArgument(
          `Expects arg[${i}] to be ${TF_DTYPE_SHORT[spec.dtype]} but ${TF_DTYPE_SHORT[t.dtype]} is provided`,
        );
      checkRange(alias, spec, t);
    });
  }

  /** Runs inputs that already passed validateInputs (whose aliases match the signature). */
  async runValidated(
    sig: SignatureDefSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputAliases: readonly string[],
  ): Promise<NamedTensors> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [alias, spec] of Object.entries(sig.inputs)) {
      const lookup = this.lookups.get(spec);
      const t = lookup ? lookUp(inputs.get(alias) as Tensor, lookup) : (inputs.get(alias) as Tensor);
      feeds[spec.onnxName] = toOrt(t, this.onnxTypes.get(spec.onnxName) ?? ORT_TYPE[t.dtype]);
    }
    const fetches = outputAliases.map((a) => sig.outputs[a].onnxName);
    let results: ort.InferenceSession.ReturnType;
    try {
      // onnxruntime-node runs the graph on the JS thread (in a setImmediate), one intra-op thread.
      results = await this.session.run(feeds, fetches);
    } catch (err) {
      // Bad shapes and the like come back from the runtime, as they do from TF's graph ops.
      throw invalidArgument((err as Error).message);
    }
    return outputAliases.map(
      (a) => [a, fromOrt(results[sig.outputs[a].onnxName], sig.outputs[a].dtype)] as const,
    );
  }

  acquire(): this {
    if (this.retired)
      throw new TfError(
        TfCode.UNAVAILABLE,
        `Servable ${this.modelName} version ${this.version} is unloading`,
      );
    this.refs++;
    return this;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.drained) this.drained();
  }

  get inFlight(): number {
    return this.refs;
  }

  /** Stops new acquisitions, waits for in-flight requests, then frees the session. */
  async unload(): Promise<void> {
    this.retired = true;
    if (this.refs > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.session.release();
  }
}
