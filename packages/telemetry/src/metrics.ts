import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** The process-wide Prometheus registry; `/metrics` endpoints serve `registry.metrics()`. */
export const registry = new Registry();
let defaultsCollected = false;

/** Node process metrics (event loop lag, heap, GC); call once at start-up. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  // Event loop lag sampled every 100 ms, not prom-client's 10 ms: a 100 Hz timer woke each idle service
  // for ~10 ms of CPU a second, and the lag histogram keeps its meaning at the lower rate.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
}

/** Latency buckets in seconds for in-cluster hops: 0.25 ms … 2.5 s. */
export const LATENCY_BUCKETS = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

const histograms = new Map<string, Histogram<string>>();
const counters = new Map<string, Counter<string>>();

/** Gets or creates a histogram in the registry (idempotent, so modules can declare what they use). */
export function histogram(name: string, help: string, labelNames: string[]): Histogram<string> {
  let h = histograms.get(name);
  if (!h) {
    h = new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });
    histograms.set(name, h);
  }
  return h;
}

/** Gets or creates a counter in the registry. */
export function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  let c = counters.get(name);
  if (!c) {
    c = new Counter({ name, help, labelNames, registers: [registry] });
    counters.set(name, c);
  }
  return c;
}
