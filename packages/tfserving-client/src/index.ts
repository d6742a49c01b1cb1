export {
  clientOptionsFromEnv,
  type FeatureColumn,
  type FeatureColumns,
  type ModelRoute,
  type ResolvedModel,
  type ScoredCandidates,
  TfServingClient,
  type TfServingClientOptions,
} from "./client.js";
export { TfServingError, type TfServingErrorKind } from "./errors.js";
export { GRPC_CHANNEL_OPTIONS } from "./grpc-transport.js";
export { type ScannedNumber, scanExactNumber, skipJsonWhitespace } from "./json-number.js";
export {
  decodePredictRequest,
  decodePredictResponse,
  encodePredictRequest,
  encodePredictResponse,
  type ModelSpecMessage,
  type PredictRequestMessage,
  type PredictResponseMessage,
} from "./predict-codec.js";
export {
  loadTfServingProtos,
  PROTO_DIR,
  PROTO_FILES,
  PROTO_LOADER_OPTIONS,
  type TfServingProtos,
} from "./protos.js";
export type { ModelMetadata, SignatureInfo, TensorInfo } from "./signature-info.js";
export {
  allocTensor,
  dtypeFromNumber,
  elementCount,
  type Tensor,
  type TensorData,
  TF_DTYPE_NUMBER,
  TF_DTYPE_SHORT,
} from "./tensor.js";
export { TensorProtoError, type TensorProtoObject, tensorFromProto, tensorToProto } from "./tensor-proto.js";
export type { ServableSpec, VersionStatusInfo } from "./transport.js";
