import {
  type LoadProgress,
  type LoadResult,
  loadFeatures,
  type Redis,
  readEmbeddingFiles,
} from "@wren/feature-store";
import { openOnlineFeatures } from "@wren/features";

import { progressBar } from "../progress.js";

/** Loads a features output directory (online features, histories, embeddings/) as a new live version. */
export async function loadFeaturesDir(
  redis: Redis,
  outDir: string,
  opts: { prefix: string; quiet?: boolean },
): Promise<LoadResult> {
  const online = await openOnlineFeatures(outDir);
  const embeddings = await readEmbeddingFiles(outDir);
  const { counts, timeRange, createdAt, positiveRate, input } = online.manifest;
  // progress in hash fields: ~14 per movie, ~17 per user, one per rating, one per vector
  const total =
    counts.movies * 14 +
    counts.users * 17 +
    counts.ratings +
    embeddings.reduce((n, e) => n + (Array.isArray(e.vectors) ? e.vectors.length : 0), 0);
  const bar = progressBar("load redis", total, { quiet: opts.quiet });
  const started = Date.now();
  try {
    return await loadFeatures(
      redis,
      {
        movies: online.movies,
        users: online.users,
        histories: online.histories,
        embeddings,
        meta: {
          featuresCreatedAt: createdAt,
          inputDir: input.dir,
          ratings: counts.ratings,
          users: counts.users,
          movies: counts.movies,
          trainingSamples: counts.trainingSamples,
          testSamples: counts.testSamples,
          positiveRate: positiveRate.all,
          timeMin: timeRange.min,
          timeMax: timeRange.max,
        },
      },
      {
        prefix: opts.prefix,
        onProgress: (p: LoadProgress) =>
          bar.update(Math.min(p.fields, total), {
            phase: p.phase,
            "keys/s": Math.round(p.keys / Math.max(0.001, (Date.now() - started) / 1000)),
          }),
      },
    );
  } finally {
    bar.stop();
    online.close();
  }
}
