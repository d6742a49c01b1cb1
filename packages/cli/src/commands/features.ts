import { resolve } from "node:path";
import {
  connectRedis,
  DEFAULT_PREFIX,
  DEFAULT_REDIS_URL,
  FeatureStore,
  type Redis,
  rollbackFeatures,
} from "@wren/feature-store";
import type { Command } from "commander";
import { registerPipelineCommand } from "../pipeline/command.js";
import { loadFeaturesDir } from "../pipeline/load.js";
import { DEFAULT_FEATURES_DIR } from "../pipeline/run-pipeline.js";
import { printTable } from "../progress.js";

interface RedisOpts {
  redis: string;
  prefix: string;
}

async function withRedis<T>(o: RedisOpts, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectRedis(o.redis);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Registers `wren features status|rollback|load` and the top-level `wren pipeline`. */
export function registerFeatureCommands(program: Command): void {
  registerPipelineCommand(program);
  const features = program
    .command("features")
    .description("Inspect and manage the versioned online features in Redis");
  const redisOptions = (cmd: Command) =>
    cmd
      .option("--redis <url>", "Redis URL", DEFAULT_REDIS_URL)
      .option("--prefix <prefix>", "Redis key prefix", DEFAULT_PREFIX);

  redisOptions(
    features
      .command("status")
      .description("Show the live feature version and the versions kept for rollback"),
  ).action((o: RedisOpts) =>
    withRedis(o, async (redis) => {
      const store = new FeatureStore(redis, o.prefix);
      const versions = await store.listVersions();
      if (versions.length === 0) {
        console.log(`no feature versions under prefix "${o.prefix}" (run: pnpm wren pipeline)`);
        return;
      }
      const rows = [];
      for (const v of versions) {
        const meta = (await store.at(v.version).meta()) ?? {};
        rows.push({
          live: v.current ? "*" : "",
          version: v.version,
          committed: v.committedAt.toISOString(),
          ratings: meta.ratings ?? "",
          users: meta.users ?? "",
          movies: meta.movies ?? "",
          embeddings: Object.keys(meta)
            .filter((k) => k.endsWith(":count"))
            .map((k) => `${k.split(":")[1]}=${meta[k]}`)
            .join(" "),
        });
      }
      printTable(rows);
    }),
  );

  redisOptions(
    features
      .command("rollback")
      .description(
        "Make the previous kept version live again (atomic pointer switch); run again to switch back",
      )
      .option("--to <version>", "a specific kept version"),
  ).action((o: RedisOpts & { to?: string }) =>
    withRedis(o, async (redis) => {
      const { from, to } = await rollbackFeatures(redis, { prefix: o.prefix, to: o.to });
      console.log(`live feature version: ${to} (was ${from ?? "none"})`);
    }),
  );

  redisOptions(
    features
      .command("load")
      .description("Load a features output directory (from wren pipeline) into Redis as a new live version")
      .option("--features <dir>", "features output directory", DEFAULT_FEATURES_DIR)
      .option("-q, --quiet", "no progress bar"),
  ).action((o: RedisOpts & { features: string; quiet?: boolean }) =>
    withRedis(o, async (redis) => {
      const res = await loadFeaturesDir(redis, resolve(o.features), { prefix: o.prefix, quiet: o.quiet });
      console.log(
        `live feature version: ${res.version} (was ${res.previous ?? "none"}); ${res.keys} keys, ${res.fields} fields in ${(res.durationMs / 1000).toFixed(1)} s` +
          (res.deleted.length > 0 ? `; deleted ${res.deleted.join(", ")}` : ""),
      );
    }),
  );
}
