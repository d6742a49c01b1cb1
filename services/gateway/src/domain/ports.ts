import type { ExposureEvent } from "@wren/contracts";
import type { ModelVersions } from "./types.js";

/** Trained models the gateway may rank with (from the models directory). */
export interface ModelCatalog {
  list(): Promise<ModelVersions[]>;
}

/** Where exposures go (`wren.experiments.v1.exposure` in production): the record an A/B readout joins. */
export interface ExposureSink {
  /** Fire and forget: a lost exposure must never fail the user's request. */
  publish(event: ExposureEvent): void;
}

export interface ReadinessReport {
  ready: boolean;
  /** One line per dependency, e.g. { nats: "connected", "recall-service": "2 responders" }. */
  checks: Record<string, string>;
}
