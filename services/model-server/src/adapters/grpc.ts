/**
 * tensorflow.serving.PredictionService (Predict, GetModelMetadata) and ModelService (GetModelStatus) on
 * a unary gRPC server on node:http2, with TF Serving's status codes and messages. Predict uses the
 * hand-written codec from @wren/tfserving-client, so tensors arrive and leave as typed arrays.
 */
import {
  loadTfServingProtos,
  type PredictRequestMessage,
  type PredictResponseMessage,
  type Tensor,
  tensorFromProto,
  tensorToProto,
} from "@wren/tfserving-client";
import { signatureDefMapProto } from "../metadata.js";
import type { Api, ServerMetrics } from "../metrics.js";
import type { ModelRegistry, ModelSpec } from "../model-registry.js";
import type { Predictor } from "../predict.js";
import { asTfError, invalidArgument, TfCode, type TfError } from "../tf-error.js";
import {
  type AnyUnaryMethod,
  createUnaryGrpcServer,
  type GrpcStatusError,
  type UnaryMethod,
  unaryMethod,
} from "./grpc-unary-server.js";

export interface GrpcOptions {
  /** --enable_serialization_as_tensor_content: outputs as raw bytes instead of float_val etc. */
  tensorContent: boolean;
}

interface ModelSpecObject {
  name?: string;
  version?: { value?: string } | null;
  version_label?: string;
  signature_name?: string;
}

function specFromObject(o: ModelSpecObject | null | undefined): ModelSpec | undefined {
  if (!o) return undefined;
  return {
    name: o.name ?? "",
    version: o.version ? Number(o.version.value ?? 0) : undefined,
    versionLabel: o.version_label,
    signatureName: o.signature_name,
  };
}

/** TF Serving cuts gRPC error messages at 1024 characters (grpc_status_util.cc). */
function toStatusError(err: TfError): GrpcStatusError {
  const details = err.message.length > 1024 ? `${err.message.slice(0, 1024)}...TRUNCATED` : err.message;
  return { code: err.code as number, details };
}

export interface GrpcAdapter {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createGrpcAdapter(
  registry: ModelRegistry,
  predictor: Predictor,
  metrics: ServerMetrics,
  opts: GrpcOptions,
): GrpcAdapter {
  const protos = loadTfServingProtos();

  /** No closures per call: under tsx each one created costs a defineProperty (esbuild's keepNames). */
  function unary<Req, Res>(
    definition: Omit<UnaryMethod<Req, Res>, "handler">,
    api: Api,
    modelOf: (req: Req) => string,
    fn: (req: Req) => Promise<Res> | Res,
  ): AnyUnaryMethod {
    const record = (req: Req, code: TfCode, started: number) =>
      metrics.record(modelOf(req), api, "grpc", TfCode[code], (performance.now() - started) / 1000);
    return unaryMethod<Req, Res>({
      path: definition.path,
      requestDeserialize: definition.requestDeserialize,
      responseSerialize: definition.responseSerialize,
      async handler(req) {
        const started = performance.now();
        let res: Res;
        try {
          res = await fn(req);
        } catch (err) {
          const tf = asTfError(err);
          record(req, tf.code, started);
          throw toStatusError(tf);
        }
        record(req, TfCode.OK, started);
        return res;
      },
    });
  }

  const server = createUnaryGrpcServer([
    unary<PredictRequestMessage, PredictResponseMessage>(
      protos.predictionService.Predict,
      "predict",
      (r) => r.modelSpec?.name ?? "",
      async (req) => {
        const inputs = new Map<string, Tensor>();
        for (const [alias, proto] of req.inputs) {
          try {
            inputs.set(alias, tensorFromProto(proto));
          } catch {
            throw invalidArgument(`tensor parsing error: ${alias}`);
          }
        }
        const result = await predictor.predict({
          modelSpec: req.modelSpec && {
            name: req.modelSpec.name,
            version: req.modelSpec.version,
            versionLabel: req.modelSpec.versionLabel,
            signatureName: req.modelSpec.signatureName,
          },
          inputs,
          outputFilter: req.outputFilter,
        });
        return {
          outputs: new Map(result.outputs.map(([alias, t]) => [alias, tensorToProto(t, opts.tensorContent)])),
          modelSpec: { ...result.modelSpec, versionLabel: undefined },
        };
      },
    ),
    unary<{ model_spec?: ModelSpecObject; metadata_field?: string[] }, object>(
      protos.predictionService.GetModelMetadata,
      "metadata",
      (r) => r.model_spec?.name ?? "",
      (req) => {
        const spec = specFromObject(req.model_spec);
        if (!spec) throw invalidArgument("Missing ModelSpec");
        const fields = req.metadata_field ?? [];
        if (fields.length === 0)
          throw invalidArgument("GetModelMetadataRequest must specify at least one metadata_field");
        for (const f of fields)
          if (f !== "signature_def") throw invalidArgument(`Metadata field ${f} is not supported`);
        const servable = registry.acquire(spec);
        try {
          return {
            model_spec: { name: spec.name, version: { value: String(servable.version) } },
            metadata: {
              signature_def: {
                type_url: "type.googleapis.com/tensorflow.serving.SignatureDefMap",
                value: protos.signatureDefMap.serialize(signatureDefMapProto(servable)),
              },
            },
          };
        } finally {
          servable.release();
        }
      },
    ),
    unary<{ model_spec?: ModelSpecObject }, object>(
      protos.modelService.GetModelStatus,
      "status",
      (r) => r.model_spec?.name ?? "",
      (req) => {
        const spec = specFromObject(req.model_spec);
        if (!spec) throw invalidArgument("Missing ModelSpec");
        return {
          model_version_status: registry.status(spec.name, spec.version).map((s) => ({
            version: String(s.version),
            state: { START: 10, LOADING: 20, AVAILABLE: 30, UNLOADING: 40, END: 50 }[s.state],
            status: { error_code: s.errorCode, error_message: s.errorMessage },
          })),
        };
      },
    ),
  ]);

  return { listen: (port, host = "0.0.0.0") => server.listen(port, host), close: () => server.close() };
}
