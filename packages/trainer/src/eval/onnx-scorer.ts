import { type ModelSignatureFile, readModelVersion, type TensorSpec } from "@wren/onnx";
import type * as Ort from "onnxruntime-node";
import type { FeatureColumn, ScoreBatch, Scorer } from "./scorer.js";

/**
 * Scores rows with an exported model version (`<models>/<name>/<version>/`) through onnxruntime-node.
 * Each signature input is fed from the sample column of the same name (userId and movieId included),
 * categorical strings mapped through the signature's vocabularies; the score is the single output.
 */
export class OnnxScorer implements Scorer {
  readonly features: readonly string[];

  private constructor(
    readonly name: string,
    readonly signature: ModelSignatureFile,
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly where: string,
  ) {
    const inputs = Object.keys(this.sig().inputs);
    this.features = inputs.filter((a) => a !== "userId" && a !== "movieId");
    const outputs = Object.keys(this.sig().outputs);
    if (outputs.length !== 1)
      throw new Error(
        `${where}: serving_default has ${outputs.length} outputs; evaluation needs exactly one score`,
      );
    for (const [alias, spec] of Object.entries(this.sig().inputs)) {
      if (!["DT_INT32", "DT_INT64", "DT_FLOAT", "DT_DOUBLE"].includes(spec.dtype))
        throw new Error(
          `${where}: input "${alias}" has dtype ${spec.dtype}; only numeric inputs are supported`,
        );
      if (spec.shape.length > 2 || (spec.shape.length === 2 && spec.shape[1] !== 1))
        throw new Error(`${where}: input "${alias}" has shape [${spec.shape}]; expected [-1] or [-1, 1]`);
    }
  }

  /** Loads a version directory; the scorer's name is "<model> v<version>" unless given. */
  static async load(dir: string, name?: string): Promise<OnnxScorer> {
    const files = await readModelVersion(dir);
    // Loaded on demand so importing @wren/trainer/eval does not load the native runtime.
    const ort = await import("onnxruntime-node");
    let session: Ort.InferenceSession;
    try {
      // One intra-op thread is fastest here (DEVELOPERS.md), and evaluation runs beside other work.
      session = await ort.InferenceSession.create(files.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new Error(`${dir}/model.onnx: onnxruntime cannot load it (${(err as Error).message})`);
    }
    try {
      return new OnnxScorer(
        name ?? `${files.signature.model} v${files.version}`,
        files.signature,
        ort,
        session,
        dir,
      );
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  private sig() {
    return this.signature.signatures.serving_default;
  }

  async score(batch: ScoreBatch): Promise<Float32Array> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [alias, spec] of Object.entries(this.sig().inputs)) {
      const col =
        alias === "userId" ? batch.userId : alias === "movieId" ? batch.movieId : batch.column(alias);
      if (!col)
        throw new Error(`${this.where}: the samples have no column "${alias}" that input "${alias}" needs`);
      feeds[spec.onnxName] = this.tensor(alias, spec, col, batch.size);
    }
    const out = Object.values(this.sig().outputs)[0];
    const result = (await this.session.run(feeds, [out.onnxName]))[out.onnxName];
    const data = result.data;
    if (data.length !== batch.size)
      throw new Error(
        `${this.where}: output "${out.onnxName}" has ${data.length} values for ${batch.size} rows`,
      );
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  }

  private tensor(alias: string, spec: TensorSpec, col: FeatureColumn, rows: number): Ort.Tensor {
    const dims = spec.shape.length === 2 ? [rows, 1] : [rows];
    const values = Array.isArray(col)
      ? this.lookup(alias, col as readonly string[])
      : (col as ArrayLike<number>);
    if (spec.range) {
      for (let i = 0; i < values.length; i++) {
        if (values[i] < spec.range.min || values[i] > spec.range.max)
          throw new Error(
            `${this.where}: input "${alias}" value ${values[i]} is outside the model's range [${spec.range.min}, ${spec.range.max}]`,
          );
      }
    }
    switch (spec.dtype) {
      case "DT_INT32":
        return new this.ort.Tensor("int32", Int32Array.from(values), dims);
      case "DT_INT64":
        return new this.ort.Tensor(
          "int64",
          BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v)))),
          dims,
        );
      case "DT_DOUBLE":
        return new this.ort.Tensor("float64", Float64Array.from(values), dims);
      default:
        return new this.ort.Tensor("float32", Float32Array.from(values), dims);
    }
  }

  /** Maps categorical strings to vocabulary indices; values outside the vocabulary take the "" entry. */
  private lookup(alias: string, col: readonly string[]): Int32Array {
    const vocab = this.signature.vocabularies?.[alias];
    if (!vocab)
      throw new Error(
        `${this.where}: input "${alias}" gets strings but signature.json has no vocabulary for it`,
      );
    const index = new Map(vocab.map((v, i) => [v, i]));
    const fallback = index.get("");
    return Int32Array.from(col, (v) => {
      const i = index.get(v) ?? fallback;
      if (i === undefined)
        throw new Error(`${this.where}: "${v}" is not in the vocabulary of input "${alias}"`);
      return i;
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
