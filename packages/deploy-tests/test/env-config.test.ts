import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { containerEnv, packageOf, readCompose } from "../src/compose.js";
import { makeEnv } from "../src/env-file.js";
import { repoPath } from "../src/paths.js";
import { envKeysRead, runtimeClosure } from "../src/workspace.js";

const readIfExists = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
const compose = readCompose();
const vars = makeEnv();
const built = Object.entries(compose.services).filter(([, svc]) => packageOf(svc));

/** Keys a compose service's own shell entrypoint reads (`$${KEY}` in compose, `${KEY}` after interpolation). */
function keysOfEntrypoint(entrypoint: string[] | undefined): Set<string> {
  return new Set([...(entrypoint ?? []).join(" ").matchAll(/\$\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]));
}

describe("environment of each compose service", () => {
  it.each(built)("%s: every key is one its code reads", (_name, svc) => {
    const folder = packageOf(svc) as string;
    const accepted = envKeysRead(runtimeClosure(folder));
    for (const k of keysOfEntrypoint(svc.entrypoint)) accepted.add(k);
    const unknown = Object.keys(svc.environment ?? {}).filter((k) => !accepted.has(k));
    expect(unknown, `keys ${folder} and its workspace dependencies never read`).toEqual([]);
  });

  // Services configured by environment: `loadConfig(env)` in src/config.ts (the model server takes flags).
  const withConfig = built.filter(([, svc]) =>
    /export function loadConfig\(/.test(readIfExists(repoPath(packageOf(svc) as string, "src/config.ts"))),
  );

  it.each(withConfig)(
    "%s: its config accepts the compose values and points at no loopback address",
    async (_n, svc) => {
      const mod = await import(repoPath(packageOf(svc) as string, "src/config.ts"));
      const env = containerEnv(svc, vars);
      const config = mod.loadConfig(env);
      // Defaults aim at a developer's machine; inside a container 127.0.0.1 is the container itself.
      expect(JSON.stringify(config)).not.toMatch(/127\.0\.0\.1|localhost/);
    },
  );
});

/**
 * Keys a service's config reads that compose deliberately leaves unset, and why. Everything else the
 * config reads must be passed (tunables as `${KEY:-}`, so .env can set them and empty keeps the default).
 */
const NOT_PASSED: Record<string, string> = {
  WREN_SUBJECT_PREFIX: "test isolation only; the NATS permission sets name unprefixed subjects",
  FEATURE_STORE_PREFIX: "the Redis ACL grants ~wren:* only",
  EXPERIMENTS_FILE: "needs a mounted file: add a volume and the key together",
  TFSERVING_REST_URL: "ranking-service takes the REST address from MODEL_SERVER_URL",
};

describe("config keys each service reads", () => {
  const withConfig = built.filter(([, svc]) =>
    /export function loadConfig\(/.test(readIfExists(repoPath(packageOf(svc) as string, "src/config.ts"))),
  );
  it.each(withConfig)("%s: compose passes every one of them", async (_n, svc) => {
    const mod = await import(repoPath(packageOf(svc) as string, "src/config.ts"));
    const read = new Set<string>();
    mod.loadConfig(
      new Proxy({} as Record<string, string | undefined>, {
        get: (_t, key) => {
          if (typeof key === "string") read.add(key);
          return undefined;
        },
      }),
    );
    const passed = new Set(Object.keys(svc.environment ?? {}));
    const missing = [...read].filter((k) => !passed.has(k) && !(k in NOT_PASSED));
    expect(missing, "read by loadConfig, not set in docker-compose.yml").toEqual([]);
  });
});

describe("model-server command in compose", () => {
  it("is accepted by the model server's flag parser, with the mounted model config", async () => {
    const svc = compose.services["model-server"];
    const { parseCli } = await import(repoPath("services/model-server/src/config.ts"));
    // Container paths of bind mounts → the files in the repository.
    const mounts = (svc.volumes ?? []).map((v) => v.split(":")).filter(([src]) => src.startsWith("./"));
    const args = (svc.command ?? []).map((a) =>
      mounts.reduce((s, [src, dst]) => s.replace(dst, repoPath(src.slice(2))), a),
    );
    const opts = parseCli(args);
    expect(opts.restPort).toBe(8501);
    expect(opts.grpcPort).toBe(8500);
    expect(opts.models.map((m: { name: string; basePath: string }) => [m.name, m.basePath])).toEqual([
      ["neuralcf", "/models/neuralcf"],
    ]);
  });
});
