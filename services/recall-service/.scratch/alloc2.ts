import { getHeapStatistics } from "node:v8";
import { Redis } from "ioredis";
import { FeatureStore } from "../../../packages/feature-store/src/index.js";
import { LiveCatalog, readUserSignals } from "../src/adapters/live-catalog.js";
import { DEFAULT_RECALL_CONFIG, favouriteGenres, recallCandidates } from "../src/domain/recall.js";
import { recallForUser } from "../src/handlers/routes.js";

const redis = new Redis("redis://127.0.0.1:6379");
const store = new FeatureStore(redis, "wren");
const catalog = new LiveCatalog(store, { minRatingCount: 10, pollMs: 100000 });
await catalog.start();
const deps = { catalog, store, recall: DEFAULT_RECALL_CONFIG };
const index = catalog.current();
const signals = [];
for (let u = 1; u <= 1000; u++) signals.push(await readUserSignals(store.at(index.version), u, false));
for (let i = 0; i < 3000; i++) await recallForUser(deps, { userId: 1 + (i % 1000) });
const measure = async (label: string, f: (i: number) => unknown) => {
  for (let i = 0; i < 200; i++) await f(i);
  const N = 150;
  const b = getHeapStatistics().used_heap_size;
  for (let i = 0; i < N; i++) await f(i + 7);
  const a = getHeapStatistics().used_heap_size;
  console.log(`${label}: ${((a - b) / N / 1024).toFixed(1)} KB/call`);
};
for (let r = 0; r < 2; r++) {
  await measure("recallForUser", (i) => recallForUser(deps, { userId: 1 + (i % 1000) }));
  await measure("readUserSignals", (i) => readUserSignals(store.at(index.version), 1 + (i % 1000), false));
  await measure("recallCandidates", (i) => recallCandidates(index, signals[i % 1000], DEFAULT_RECALL_CONFIG));
  await measure("favouriteGenres", (i) => favouriteGenres(index, signals[i % 1000].history, 3.5));
  await measure("currentVersion", () => store.currentVersion());
}
catalog.stop();
redis.disconnect();
const { mergeChannels } = await import("../src/domain/recall.js");
const ids1 = index.popular.slice(0, 500),
  ids2 = index.topRated.slice(0, 500);
await measure("mergeChannels 2x500 -> 800", () =>
  mergeChannels(
    [
      { mask: 1, ids: ids1 },
      { mask: 2, ids: ids2 },
    ],
    800,
  ),
);
await measure("Set of history", (i) => new Set(signals[i % 1000].history.map((r) => r.movieId)));
await measure("i2v nearestToId x5", (i) => {
  const ex = new Set(signals[i % 1000].history.map((r) => r.movieId));
  for (const s of signals[i % 1000].history.slice(0, 5)) index.i2v?.nearestToId(s.movieId, 60, ex);
});
