import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  decodePredictRequest,
  decodePredictResponse,
  encodePredictRequest,
  encodePredictResponse,
  type PredictRequestMessage,
  type PredictResponseMessage,
} from "./predict-codec.js";

/** The repository's proto/ directory (TF Serving's packages, names and field numbers). */
export const PROTO_DIR = fileURLToPath(new URL("../../../proto/", import.meta.url));

export const PROTO_FILES = [
  "tensorflow_serving/apis/prediction_service.proto",
  "tensorflow_serving/apis/model_service.proto",
];

/** keepCase: field names as in the .proto (model_spec, float_val); int64 as decimal strings. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export interface TfServingProtos {
  definition: protoLoader.PackageDefinition;
  predictionService: grpc.ServiceDefinition;
  modelService: grpc.ServiceDefinition;
  PredictionServiceClient: grpc.ServiceClientConstructor;
  ModelServiceClient: grpc.ServiceClientConstructor;
  /** tensorflow.serving.SignatureDefMap, for packing and unpacking metadata's Any. */
  signatureDefMap: protoLoader.MessageTypeDefinition<object, object>;
}

let cached: TfServingProtos | undefined;

/** A Buffer over the same bytes (protobufjs already returns one under Node): grpc-js copies it into its frame anyway. */
const asBuffer = (u: Uint8Array) =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export function loadTfServingProtos(): TfServingProtos {
  if (cached) return cached;
  const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    tensorflow: { serving: Record<string, grpc.ServiceClientConstructor> };
  };
  const { ModelService } = pkg.tensorflow.serving;
  // Predict carries the tensors: it gets the hand-written codec (typed arrays in and out); the other
  // methods keep proto-loader's generic objects.
  const predictionService: grpc.ServiceDefinition = {
    ...pkg.tensorflow.serving.PredictionService.service,
    Predict: {
      ...pkg.tensorflow.serving.PredictionService.service.Predict,
      requestSerialize: (m: PredictRequestMessage) => asBuffer(encodePredictRequest(m)),
      requestDeserialize: (b: Buffer) => decodePredictRequest(b),
      responseSerialize: (m: PredictResponseMessage) => asBuffer(encodePredictResponse(m)),
      responseDeserialize: (b: Buffer) => decodePredictResponse(b),
    },
  };
  cached = {
    definition,
    predictionService,
    modelService: ModelService.service,
    PredictionServiceClient: grpc.makeClientConstructor(
      predictionService,
      "tensorflow.serving.PredictionService",
    ),
    ModelServiceClient: ModelService,
    signatureDefMap: definition["tensorflow.serving.SignatureDefMap"] as protoLoader.MessageTypeDefinition<
      object,
      object
    >,
  };
  return cached;
}
