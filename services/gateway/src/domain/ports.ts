import type { ModelVersions } from "./types.js";

/** Trained models the gateway may rank with (from the models directory). */
export interface ModelCatalog {
  list(): Promise<ModelVersions[]>;
}

/** One user shown one variant of an experiment: the record an A/B readout joins outcomes against. */
export interface ExposureEvent {
  experiment: string;
  variant: string;
  model: string;
  userId: number;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface ExposureSink {
  /** Fire and forget: a lost exposure must never fail the user's request. */
  publish(event: ExposureEvent): void;
}

export interface ReadinessReport {
  ready: boolean;
  /** One line per dependency, e.g. { nats: "connected", "wren-recall": "2 responders" }. */
  checks: Record<string, string>;
}
