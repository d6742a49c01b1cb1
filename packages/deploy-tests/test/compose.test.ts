import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICES } from "@wren/contracts";
import { describe, expect, it } from "vitest";
import { COMPOSE_FILE, containerEnv, interpolatedVariables, packageOf, readCompose } from "../src/compose.js";
import { makeEnv, readEnvExample } from "../src/env-file.js";
import { passwordEnv, permissionSets } from "../src/nats-permissions.js";
import { repoPath } from "../src/paths.js";
import { runtimeClosure } from "../src/workspace.js";
import { tempDir } from "./private-servers.js";

const compose = readCompose();
const services = compose.services;
const BUS_SERVICES: string[] = Object.values(SERVICES);
/** Everything `--scale` may multiply: no fixed container name, no host port. */
const SCALABLE = [...BUS_SERVICES, "model-server"];
const env = (name: string) => services[name]?.environment ?? {};

describe("docker-compose.yml", () => {
  it("has the infrastructure, the model server, every bus service, the edge proxy and the pipeline job", () => {
    for (const name of ["nats", "redis", "jaeger", "model-server", "edge", "pipeline", ...BUS_SERVICES]) {
      expect(services, name).toHaveProperty(name);
    }
    expect(services.pipeline.profiles).toEqual(["pipeline"]);
    expect(services.tfserving.profiles).toEqual(["tfserving"]);
  });

  it("builds every image from an existing Dockerfile and workspace package", () => {
    for (const [name, svc] of Object.entries(services)) {
      if (!svc.build) continue;
      const context = repoPath(svc.build.context);
      expect(existsSync(context), `${name} context`).toBe(true);
      expect(existsSync(join(context, svc.build.dockerfile ?? "Dockerfile")), `${name} Dockerfile`).toBe(
        true,
      );
      const pkg = packageOf(svc);
      expect(pkg, `${name} PACKAGE build arg`).toBeTruthy();
      expect(existsSync(repoPath(`${pkg}/package.json`)), `${name}: ${pkg}/package.json`).toBe(true);
      if (name !== "pipeline") expect(pkg, "folder = compose service").toBe(`services/${name}`);
    }
    expect(packageOf(services.pipeline)).toBe("packages/cli");
  });

  it("lets every service scale: no container_name, no host port, replicas set, init and a drain period", () => {
    for (const name of SCALABLE) {
      const svc = services[name];
      expect(svc.container_name, name).toBeUndefined();
      expect(svc.ports, name).toBeUndefined();
      expect(svc.deploy?.replicas, name).toBeDefined();
      expect(svc.init, `${name} init (signals reach node, zombies reaped)`).toBe(true);
      expect(svc.stop_grace_period, name).toBeDefined();
    }
    for (const svc of Object.values(services)) expect(svc.container_name).toBeUndefined();
  });

  it("waits only on services that exist, and on health only where a healthcheck is defined", () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(svc.depends_on ?? {})) {
        expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
        if (cond.condition === "service_healthy") {
          expect(services[dep].healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
        }
        if (services[dep].profiles && !svc.profiles) {
          expect(cond.required, `${name} → ${dep} (profile only)`).toBe(false);
        }
      }
    }
    for (const name of ["nats", "redis", "model-server", "gateway", "edge"]) {
      expect(services[name].healthcheck, name).toBeDefined();
    }
  });

  it("mounts only files and folders that exist", () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const [source] = v.split(":");
        if (source.startsWith("./")) expect(existsSync(repoPath(source)), `${name}: ${v}`).toBe(true);
        else if (!source.startsWith("$"))
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it("interpolates exactly the keys of .env.example", () => {
    const used = interpolatedVariables(readFileSync(COMPOSE_FILE, "utf8"));
    const listed = new Set(readEnvExample().keys());
    expect(
      [...used].filter((k) => !listed.has(k)),
      "used by compose, missing in .env.example",
    ).toEqual([]);
    expect(
      [...listed].filter((k) => !used.has(k)),
      "in .env.example, unused by compose",
    ).toEqual([]);
  });

  it("uses one name per service: OTEL_SERVICE_NAME, NATS user and Redis user", () => {
    const natsUsers = new Set<string>(permissionSets().map((s) => s.user));
    for (const [name, svc] of Object.entries(services)) {
      const e = env(name);
      // The entrypoint loads OpenTelemetry exactly when the package depends on @wren/telemetry.
      const pkg = packageOf(svc);
      if (pkg && runtimeClosure(pkg).includes("packages/telemetry")) {
        expect(e.OTEL_SERVICE_NAME, name).toBe(name);
        expect(e.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe("http://jaeger:4318");
      }
      if (e.NATS_USER !== undefined) {
        expect(e.NATS_USER, name).toBe(name);
        expect(natsUsers.has(name), `${name} has a NATS permission set`).toBe(true);
        expect(String(e.NATS_PASSWORD)).toMatch(new RegExp(`^\\$\\{${passwordEnv(name)}:\\?`));
      }
      if (e.REDIS_URL !== undefined) {
        const pwVar = `REDIS_${name.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
        expect(String(e.REDIS_URL), name).toMatch(
          new RegExp(`^redis://${name}:\\$\\{${pwVar}:\\?[^}]*\\}@redis:6379$`),
        );
        expect(readFileSync(repoPath("deploy/redis/users.acl"), "utf8")).toContain(
          `user ${name} on #@${pwVar}@`,
        );
      }
    }
    // Every NATS permission set belongs to a compose service that logs in with it.
    for (const user of natsUsers) expect(env(user).NATS_USER, user).toBe(user);
  });

  it("starts Redis and NATS with the committed config files the private-server tests use", () => {
    const redis = services.redis;
    const mounted = (svc: typeof redis, file: string) =>
      svc.volumes?.find((v) => v.startsWith(`./${file}:`))?.split(":")[1];
    expect(redis.entrypoint).toEqual([
      "sh",
      mounted(redis, "deploy/redis/start.sh"),
      mounted(redis, "deploy/redis/users.acl"),
      "/run/redis/users.acl",
    ]);
    expect(redis.command).toEqual([mounted(redis, "deploy/redis/redis.conf")]);
    expect(readFileSync(repoPath("deploy/redis/redis.conf"), "utf8")).toMatch(
      /^aclfile \/run\/redis\/users\.acl$/m,
    );
    const nats = services.nats;
    expect(nats.command?.slice(0, 2)).toEqual(["--config", mounted(nats, "deploy/nats/nats.conf")]);
    // nats.conf includes permissions.conf by a relative path: both must sit in the same folder.
    const dir = (p?: string) => p?.slice(0, p.lastIndexOf("/"));
    expect(dir(mounted(nats, "deploy/nats/permissions.conf"))).toBe(
      dir(mounted(nats, "deploy/nats/nats.conf")),
    );
  });

  it("gives the tfserving profile the same model config and ports as our model server", () => {
    expect(services.tfserving.command).toEqual(services["model-server"].command);
    const config = (name: string) => services[name].volumes?.find((v) => v.includes("models.config"));
    expect(config("tfserving")).toBe(config("model-server"));
    // MODEL_SERVER_HOST in .env picks the server ranking-service calls.
    const vars = makeEnv();
    const url = () => containerEnv(services["ranking-service"], vars).MODEL_SERVER_URL;
    vars.delete("MODEL_SERVER_HOST");
    expect(url()).toBe("http://model-server:8501");
    vars.set("MODEL_SERVER_HOST", "tfserving");
    expect(url()).toBe("http://tfserving:8501");
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = readFileSync(repoPath("deploy/Dockerfile"), "utf8");
  const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));

  it("installs production dependencies only and runs as a non-root user with NODE_ENV=production", () => {
    // --filter-prod: the workspace packages PACKAGE needs at run time, not those its tests link to.
    expect(dockerfile).toMatch(
      /pnpm install --offline --prod --frozen-lockfile .*--filter-prod "\$\{name\}\.\.\."/,
    );
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/NODE_ENV=production/);
    expect(runtime).not.toMatch(/pnpm/);
    expect(runtime).toMatch(/^ENTRYPOINT \["wren-entrypoint"\]$/m);
  });

  it("keeps secrets, dependencies and data out of the build context", () => {
    const ignored = readFileSync(repoPath(".dockerignore"), "utf8").split("\n");
    for (const p of ["**/node_modules", ".env", ".git", "data", "models"]) expect(ignored).toContain(p);
  });
});

// Debian's docker-compose package (v2, the CLI plugin's engine) validates the file without a Docker engine.
const composeCli = ["docker-compose", "docker"].find(
  (bin) => spawnSync(bin, bin === "docker" ? ["compose", "version"] : ["version"]).status === 0,
);

describe.skipIf(!composeCli)("docker-compose config", () => {
  it("accepts the file with the default and every optional profile", () => {
    const dir = tempDir("compose");
    const envFile = join(dir, ".env");
    writeFileSync(envFile, [...makeEnv()].map(([k, v]) => `${k}=${v}`).join("\n"));
    const base = composeCli === "docker" ? ["compose"] : [];
    for (const profiles of [[], ["pipeline"], ["tfserving"]]) {
      const args = [
        ...base,
        "-f",
        COMPOSE_FILE,
        "--env-file",
        envFile,
        ...profiles.flatMap((p) => ["--profile", p]),
      ];
      execFileSync(composeCli as string, [...args, "config", "--quiet"], { stdio: "pipe" });
    }
  });
});

if (!composeCli) {
  console.warn(
    "deploy-tests: neither `docker-compose` nor `docker compose` is installed: the `docker-compose config` check was skipped",
  );
}
