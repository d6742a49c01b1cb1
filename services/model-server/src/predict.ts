/** Predict, transport-free: TF Serving's validation order and messages (predict_util.cc, json_tensor.cc). */
import type { SignatureDefSpec } from "@wren/onnx";
import type { Tensor } from "@wren/tfserving-client";
import type { BatchScheduler } from "./batching.js";
import { fastInputs, scanPredictBody } from "./json-fast-request.js";
import { convertPredictInputs, type ParsedPredictBody, parsePredictBody } from "./json-request.js";
import { type NamedTensors, predictResponseJson } from "./json-response.js";
import type { ModelRegistry, ModelSpec } from "./model-registry.js";
import type { Servable } from "./servable.js";
import { invalidArgument, TfCode, TfError } from "./tf-error.js";

export const DEFAULT_SIGNATURE = "serving_default";

export interface PredictRequest {
  modelSpec?: ModelSpec;
  inputs: ReadonlyMap<string, Tensor>;
  outputFilter?: readonly string[];
}

export interface PredictResult {
  modelSpec: { name: string; version: number; signatureName: string };
  outputs: NamedTensors;
}

export class Predictor {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly batcher?: BatchScheduler,
  ) {}

  private execute(
    servable: Servable,
    sigKey: string,
    sig: SignatureDefSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputs: readonly string[],
  ): Promise<NamedTensors> {
    return this.batcher
      ? this.batcher.submit(servable, sigKey, sig, inputs, outputs)
      : servable.run(sig, inputs, outputs);
  }

  /** The gRPC Predict semantics (§3.4 of the spec). */
  async predict(req: PredictRequest): Promise<PredictResult> {
    if (!req.modelSpec) throw invalidArgument("Missing ModelSpec");
    const servable = this.registry.acquire(req.modelSpec);
    try {
      const sigKey = req.modelSpec.signatureName || DEFAULT_SIGNATURE;
      const sig = servable.signature(sigKey);
      if (!sig) throw new TfError(TfCode.FAILED_PRECONDITION, `Serving signature key "${sigKey}" not found.`);
      checkInputNames(sig, req.inputs);
      const outputs = selectOutputs(sig, req.outputFilter ?? []);
      return {
        modelSpec: { name: req.modelSpec.name, version: servable.version, signatureName: sigKey },
        outputs: await this.execute(servable, sigKey, sig, req.inputs, outputs),
      };
    } finally {
      servable.release();
    }
  }

  /** REST `:predict`: the JSON body in, the JSON response bytes out. */
  async predictJson(spec: ModelSpec, body: Uint8Array): Promise<Buffer> {
    // The common body shapes skip the JSON tree; anything else, or any doubt, takes the faithful path.
    const fast = scanPredictBody(body);
    const parsed = fast ? undefined : parsePredictBody(body);
    const servable = this.registry.acquire(spec);
    try {
      const sigKey = (fast ?? (parsed as ParsedPredictBody)).signatureName || DEFAULT_SIGNATURE;
      const sig = servable.signature(sigKey);
      if (!sig) throw invalidArgument(`Serving signature name: "${sigKey}" not found in signature def`);
      const { format, inputs } =
        (fast && fastInputs(fast, sig.inputs)) ??
        convertPredictInputs(parsed ?? parsePredictBody(body), sig.inputs);
      const outputs = await this.execute(servable, sigKey, sig, inputs, Object.keys(sig.outputs));
      return predictResponseJson(format, outputs);
    } finally {
      servable.release();
    }
  }
}

const sortedKeys = (keys: Iterable<string>) => [...keys].sort();

function checkInputNames(sig: SignatureDefSpec, inputs: ReadonlyMap<string, Tensor>): void {
  const expected = sortedKeys(Object.keys(sig.inputs));
  const sent = sortedKeys(inputs.keys());
  if (sent.length !== expected.length) {
    const extra = sent.filter((k) => !expected.includes(k));
    const missing = expected.filter((k) => !sent.includes(k));
    throw invalidArgument(
      `input size does not match signature: ${sent.length}!=${expected.length} len({${sent.join(",")}}) != len({${expected.join(",")}}). Sent extra: {${extra.join(",")}}. Missing but required: {${missing.join(",")}}.`,
    );
  }
  for (const k of sent)
    if (!Object.hasOwn(sig.inputs, k))
      throw invalidArgument(
        `input tensor alias not found in signature: ${k}. Inputs expected to be in the set {${expected.join(",")}}.`,
      );
}

function selectOutputs(sig: SignatureDefSpec, filter: readonly string[]): string[] {
  if (filter.length === 0) return Object.keys(sig.outputs);
  const seen = new Set<string>();
  for (const alias of filter) {
    if (!Object.hasOwn(sig.outputs, alias))
      throw invalidArgument(
        `output tensor alias not found in signature: ${alias} Outputs expected to be in the set {${sortedKeys(Object.keys(sig.outputs)).join(",")}}.`,
      );
    if (seen.has(alias)) throw invalidArgument(`duplicate output tensor alias: ${alias}`);
    seen.add(alias);
  }
  return [...filter];
}
