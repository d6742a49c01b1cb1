/** TF Serving over gRPC (@grpc/grpc-js), Predict through the hand-written typed-array codec. */
import * as grpc from "@grpc/grpc-js";
import { kindForGrpcCode, TfServingError } from "./errors.js";
import type { PredictRequestMessage, PredictResponseMessage } from "./predict-codec.js";
import { loadTfServingProtos } from "./protos.js";
import { type ModelMetadata, signaturesFromDoc } from "./signature-info.js";
import { dtypeFromNumber, type Tensor } from "./tensor.js";
import { tensorFromProto, tensorToProto } from "./tensor-proto.js";
import type { ServableSpec, Transport, VersionStatusInfo } from "./transport.js";

export interface GrpcTransportOptions {
  /** host:port, e.g. 127.0.0.1:8500 */
  address: string;
  timeoutMs: number;
  /** Send numeric inputs as tensor_content bytes (default) rather than int_val/float_val lists. */
  tensorContent: boolean;
}

const STATE_NAMES: Record<number, string> = {
  0: "UNKNOWN",
  10: "START",
  20: "LOADING",
  30: "AVAILABLE",
  40: "UNLOADING",
  50: "END",
};
const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

function specObject(spec: ServableSpec): object {
  return {
    name: spec.name,
    ...(spec.version !== undefined
      ? { version: { value: String(spec.version) } }
      : spec.versionLabel
        ? { version_label: spec.versionLabel }
        : {}),
    ...(spec.signatureName ? { signature_name: spec.signatureName } : {}),
  };
}

/**
 * Channel options of the TF Serving client: clients default to a 4 MiB receive limit
 * (tensorflow/serving#1382); TF Serving itself allows 2 GiB. grpc-js's retries and channelz stay on:
 * turning them off saved no measurable CPU per call.
 */
export const GRPC_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
};

type UnaryMethod = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

export class GrpcTransport implements Transport {
  private readonly prediction: grpc.Client;
  private readonly model: grpc.Client;

  constructor(private readonly opts: GrpcTransportOptions) {
    const protos = loadTfServingProtos();
    this.prediction = new protos.PredictionServiceClient(
      opts.address,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    this.model = new protos.ModelServiceClient(
      opts.address,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
  }

  private unary<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method].bind(client);
    return new Promise((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + this.opts.timeoutMs }, (err, res) => {
        if (!err) return resolve(res as T);
        const message =
          err.code === grpc.status.DEADLINE_EXCEEDED
            ? `TF Serving gRPC call timed out after ${this.opts.timeoutMs} ms`
            : err.code === grpc.status.UNAVAILABLE
              ? `TF Serving gRPC at ${this.opts.address} unavailable: ${err.details}`
              : err.details;
        reject(new TfServingError(kindForGrpcCode(err.code), message, err.code, { cause: err }));
      });
    });
  }

  async predict(
    spec: ServableSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputDtypes: Record<string, Tensor["dtype"]>,
  ): Promise<Map<string, Tensor>> {
    const req: PredictRequestMessage = {
      modelSpec: {
        name: spec.name,
        version: spec.version,
        versionLabel: spec.versionLabel,
        signatureName: spec.signatureName ?? "",
      },
      inputs: new Map([...inputs].map(([alias, t]) => [alias, tensorToProto(t, this.opts.tensorContent)])),
      outputFilter: Object.keys(outputDtypes),
    };
    const res = await this.unary<PredictResponseMessage>(this.prediction, "Predict", req);
    const out = new Map<string, Tensor>();
    for (const alias of Object.keys(outputDtypes)) {
      const proto = res.outputs.get(alias);
      if (!proto) throw new TfServingError("server", `predict response has no output ${alias}`);
      try {
        out.set(alias, tensorFromProto(proto));
      } catch (err) {
        throw new TfServingError("server", `predict output ${alias}: ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
    }
    return out;
  }

  async metadata(spec: ServableSpec): Promise<ModelMetadata> {
    const res = await this.unary<{
      model_spec?: { version?: { value?: string } };
      metadata?: Record<string, { type_url?: string; value?: Buffer }>;
    }>(this.prediction, "GetModelMetadata", {
      model_spec: specObject(spec),
      metadata_field: ["signature_def"],
    });
    const any = res.metadata?.signature_def;
    if (!any?.value) throw new TfServingError("server", "metadata response has no signature_def");
    const map = loadTfServingProtos().signatureDefMap.deserialize(any.value) as {
      signature_def?: Parameters<typeof signaturesFromDoc>[0];
    };
    return {
      version: Number(res.model_spec?.version?.value ?? 0),
      signatures: signaturesFromDoc(map.signature_def ?? {}, (d) => dtypeFromNumber(Number(d))),
    };
  }

  async status(name: string, version?: number): Promise<VersionStatusInfo[]> {
    const res = await this.unary<{
      model_version_status?: Array<{
        version: string;
        state?: number;
        status?: { error_code?: number; error_message?: string };
      }>;
    }>(this.model, "GetModelStatus", { model_spec: specObject({ name, version }) });
    return (res.model_version_status ?? []).map((s) => ({
      version: Number(s.version),
      state: STATE_NAMES[s.state ?? 0] ?? String(s.state),
      errorCode: CODE_NAMES[s.status?.error_code ?? 0] ?? String(s.status?.error_code),
      errorMessage: s.status?.error_message ?? "",
    }));
  }

  async close(): Promise<void> {
    this.prediction.close();
    this.model.close();
  }
}
