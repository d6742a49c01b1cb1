import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { writeModelServerConfig } from "./bootstrap.js";
import { hostPortOf, isListening, redisGet } from "./net.js";
import { parseReplicas } from "./replicas.js";
import { Supervisor } from "./supervisor.js";

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

describe("launcher", () => {
  it("keeps the model server's config file listing every trained model, rewriting it only on a change", async () => {
    const root = mkdtempSync(join(tmpdir(), "wren-launcher-"));
    try {
      const [models, state] = [join(root, "models"), join(root, "state")];
      expect(writeModelServerConfig(models, state)).toBeNull();
      mkdirSync(join(models, "neuralcf", "1"), { recursive: true });
      mkdirSync(join(models, "deepfm")); // no version yet: not served
      const path = writeModelServerConfig(models, state) as string;
      const names = () =>
        (
          JSON.parse(readFileSync(path, "utf8")) as { model_config_list: { config: { name: string }[] } }
        ).model_config_list.config.map((c) => c.name);
      expect(names()).toEqual(["neuralcf"]);
      const written = statSync(path).mtimeMs;
      await new Promise((r) => setTimeout(r, 20));
      writeModelServerConfig(models, state);
      expect(statSync(path).mtimeMs).toBe(written); // unchanged: the model server has nothing to re-apply
      mkdirSync(join(models, "deepfm", "1"));
      writeModelServerConfig(models, state);
      expect(names()).toEqual(["deepfm", "neuralcf"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("parses --replicas and names the bad part", () => {
    expect(parseReplicas("ranking-service=2, recall-service=3")).toMatchObject({
      "ranking-service": 2,
      "recall-service": 3,
      gateway: 1,
    });
    expect(() => parseReplicas("ranking=2")).toThrow('unknown service "ranking"');
    expect(() => parseReplicas("ranking-service=0")).toThrow("must be 1..16");
    expect(() => parseReplicas("ranking-service")).toThrow("is not <service>=<count>");
    expect(() => parseReplicas("gateway=2")).toThrow("binds one port");
  });

  it("reads one key from the real Redis without a client library", async () => {
    const key = `test-${randomUUID()}:launcher`;
    const { host, port } = hostPortOf(REDIS_URL, 6379);
    expect(await isListening(host, port)).toBe(true);
    expect(await redisGet(REDIS_URL, key)).toBeNull();
    execFileSync("redis-cli", ["-h", host, "-p", String(port), "SET", key, "v:1\r\nx"]);
    try {
      expect(await redisGet(REDIS_URL, key)).toBe("v:1\r\nx");
    } finally {
      execFileSync("redis-cli", ["-h", host, "-p", String(port), "DEL", key]);
    }
  });

  it("prefixes output and stops children with everything they spawned", async () => {
    const lines: string[] = [];
    const sup = new Supervisor((l) => lines.push(l));
    // A shell that spawns a grandchild: a stop must reach both (no orphans).
    sup.start({
      label: "svc",
      command: "sh",
      args: ["-c", `echo hello; sleep 300 & echo $!; wait`],
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.alive("svc")).toBe(true);
    const grandchild = Number(lines.find((l) => /^svc\s+\| \d+$/.test(l.trim()))?.split("|")[1]);
    expect(lines[0]).toMatch(/^svc\s+\| hello\n$/);
    expect(grandchild).toBeGreaterThan(0);
    await sup.stopAll(2000);
    expect(sup.alive("svc")).toBe(false);
    // The group got the signal with the shell; on a loaded machine the grandchild may take a moment to die.
    for (let i = 0; i < 40 && running(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    expect(running(grandchild)).toBe(false);
  });

  const signalLauncher = fileURLToPath(new URL("../../test/fixtures-signal-launcher.ts", import.meta.url));
  it.each(["SIGHUP", "SIGINT", "SIGTERM"] as const)(
    "a launcher stopped by %s (terminal closed, Ctrl-C, kill) leaves no child running",
    async (signal) => {
      const launcher = spawn(process.execPath, ["--import", "tsx", signalLauncher], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const [data] = (await once(launcher.stdout, "data")) as [Buffer];
      const child = Number(data.toString().trim());
      expect(running(child)).toBe(true);
      launcher.kill(signal);
      await once(launcher, "exit");
      for (let i = 0; i < 40 && running(child); i++) await new Promise((r) => setTimeout(r, 50));
      expect(running(child)).toBe(false);
    },
  );
});
