import type { ModelMetadata } from "./signature-info.js";
import type { Tensor } from "./tensor.js";

/** Which servable a call addresses (TF's ModelSpec). */
export interface ServableSpec {
  name: string;
  version?: number;
  versionLabel?: string;
  signatureName?: string;
}

export interface VersionStatusInfo {
  version: number;
  state: string;
  errorCode: string;
  errorMessage: string;
}

/** One protocol to TF Serving. Implementations throw TfServingError. */
export interface Transport {
  predict(
    spec: ServableSpec,
    inputs: ReadonlyMap<string, Tensor>,
    outputDtypes: Record<string, Tensor["dtype"]>,
  ): Promise<Map<string, Tensor>>;
  metadata(spec: ServableSpec): Promise<ModelMetadata>;
  status(name: string, version?: number): Promise<VersionStatusInfo[]>;
  close(): Promise<void>;
}
