import { setFlagsFromString } from "node:v8";

if (process.env.NPS) setFlagsFromString("--no-parallel-scavenge");

import { PerformanceObserver } from "node:perf_hooks";
import { Redis } from "ioredis";
import { FeatureStore } from "../../../packages/feature-store/src/index.js";
import { LiveCatalog } from "../src/adapters/live-catalog.js";
import { DEFAULT_RECALL_CONFIG } from "../src/domain/recall.js";
import { recallForUser } from "../src/handlers/routes.js";

const redis = new Redis("redis://127.0.0.1:6379");
const store = new FeatureStore(redis, "wren");
const catalog = new LiveCatalog(store, { minRatingCount: 10, pollMs: 100000 });
await catalog.start();
const deps = { catalog, store, recall: DEFAULT_RECALL_CONFIG };
for (let i = 0; i < 3000; i++) await recallForUser(deps, { userId: 1 + (i % 1000) });
const gcs: number[] = [];
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcs.push(e.duration);
}).observe({ entryTypes: ["gc"] });
const t0 = performance.now();
for (let i = 0; i < 5000; i++)
  await Promise.all([0, 1, 2, 3].map((k) => recallForUser(deps, { userId: 1 + ((i * 4 + k) % 1000) })));
await new Promise((r) => setTimeout(r, 100));
const el = performance.now() - t0;
console.log(
  `20000 calls in ${el.toFixed(0)} ms; ${gcs.length} GCs, total ${gcs.reduce((a, b) => a + b, 0).toFixed(0)} ms, avg ${(gcs.reduce((a, b) => a + b, 0) / gcs.length).toFixed(2)} ms, max ${Math.max(...gcs).toFixed(1)}`,
);
catalog.stop();
redis.disconnect();
