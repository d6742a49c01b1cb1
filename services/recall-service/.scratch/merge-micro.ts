import { Redis } from "ioredis";
import { FeatureStore } from "../../../packages/feature-store/src/index.js";
import { LiveCatalog, readUserSignals } from "../src/adapters/live-catalog.js";
import { DEFAULT_RECALL_CONFIG, recallCandidates } from "../src/domain/recall.js";

const redis = new Redis("redis://127.0.0.1:6379");
const store = new FeatureStore(redis, "wren");
const catalog = new LiveCatalog(store, { minRatingCount: 10, pollMs: 100000 });
await catalog.start();
const index = catalog.current();
const signals = [];
for (let u = 1; u <= 1000; u++) signals.push(await readUserSignals(store.at(index.version), u, false));
const results = signals.map((s) => recallCandidates(index, s, DEFAULT_RECALL_CONFIG));
console.log(
  "checksum",
  JSON.stringify(results).length,
  results.reduce(
    (a, r) => a + r.movieIds.reduce((x, y, i) => (x * 31 + y * (r.channelMasks[i] + 1)) % 1e9, 0),
    0,
  ),
);
for (let round = 0; round < 3; round++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 20000; i++) recallCandidates(index, signals[i % 1000], DEFAULT_RECALL_CONFIG);
  const c = process.cpuUsage(c0);
  console.log(`recallCandidates: ${((c.user + c.system) / 20000).toFixed(1)} µs CPU/call`);
}
catalog.stop();
redis.disconnect();
