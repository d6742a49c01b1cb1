import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { VersionState } from "./model-manager.js";

export type Api = "predict" | "metadata" | "status" | "classify" | "regress";
export type Protocol = "rest" | "grpc";

/** Prometheus metrics of one server instance (its own registry, so several servers can share a process). */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "wren_model_server_requests_total",
    help: "Requests by model, API, protocol and TF status code",
    labelNames: ["model", "api", "protocol", "code"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "wren_model_server_request_duration_seconds",
    help: "Request latency from body received to response written",
    labelNames: ["model", "api", "protocol"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly versions = new Gauge({
    name: "wren_model_server_model_version_state",
    help: "1 for the state each tracked model version is in (AVAILABLE ones are being served)",
    labelNames: ["model", "version", "state"] as const,
    registers: [this.registry],
  });

  private readonly batches = new Histogram({
    name: "wren_model_server_batch_requests",
    help: "Predict requests merged into each server-side batch (--enable_batching)",
    labelNames: ["model"] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  batch(model: string, requests: number): void {
    this.batches.observe({ model }, requests);
  }

  record(model: string, api: Api, protocol: Protocol, code: string, seconds: number): void {
    this.requests.inc({ model, api, protocol, code });
    this.latency.observe({ model, api, protocol }, seconds);
  }

  versionState(model: string, version: number, state: VersionState): void {
    for (const s of ["START", "LOADING", "AVAILABLE", "UNLOADING", "END"] as const)
      this.versions.set({ model, version: String(version), state: s }, s === state ? 1 : 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
