export { type AttrInput, attr, GraphBuilder, type ModelOptions, type TensorArray } from "./graph-builder.js";
export * from "./model-dir.js";
export {
  listVersions,
  type ModelVersion,
  parseVersionDirName,
  readModelVersion,
  type VersionDir,
  writeModelVersion,
} from "./model-versions.js";
export type { Dim, OnnxDtype } from "./onnx-proto.js";
