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
