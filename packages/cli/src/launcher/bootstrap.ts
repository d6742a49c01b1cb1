import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { redisGet } from "./net.js";
import { type ProcessSpec, runToCompletion, type Supervisor } from "./supervisor.js";

/** The feature store's live-version pointer (`@wren/feature-store` storeKeys(prefix).current). */
export async function featuresLoaded(redisUrl: string, currentKey: string): Promise<boolean> {
  return (await redisGet(redisUrl, currentKey)) !== null;
}

/** Whether `<modelsDir>/<model>/` holds at least one version directory. */
export function modelTrained(modelsDir: string, model: string): boolean {
  const dir = join(modelsDir, model);
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some(
    (d) => d.isDirectory() && /^[1-9][0-9]*$/.test(d.name),
  );
}

/** Trained model names under `modelsDir` (those with at least one version directory). */
export function trainedModels(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && modelTrained(modelsDir, d.name))
    .map((d) => d.name)
    .sort();
}

/**
 * A ModelServerConfig (JSON form) serving every trained model's latest version, written under `stateDir`;
 * null when there is no trained model yet. The file is rewritten only when the list of models changed, so
 * a model server polling it (`--model_config_file_poll_wait_seconds`) picks up a newly trained model kind.
 */
export function writeModelServerConfig(modelsDir: string, stateDir: string): string | null {
  const models = trainedModels(modelsDir);
  if (models.length === 0) return null;
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, "models.config.json");
  const config = models.map((name) => ({
    name,
    base_path: join(modelsDir, name),
    model_version_policy: { latest: { num_versions: 1 } },
  }));
  const text = `${JSON.stringify({ model_config_list: { config } }, null, 2)}\n`;
  if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text);
  return path;
}

/** Whether this CLI has the sub-command at `path` (e.g. ["data", "generate"]). */
export function hasCommand(program: Command, path: string[]): boolean {
  let cmd: Command | undefined = program;
  for (const name of path) {
    cmd = cmd?.commands.find((c) => c.name() === name);
    if (!cmd) return false;
  }
  return true;
}

export interface CliRunner {
  program: Command;
  supervisor: Supervisor;
  /** `node --import tsx packages/cli/src/main.ts` */
  command: string;
  baseArgs: string[];
  cwd: string;
  log: (line: string) => void;
}

/**
 * Runs `wren <path> <args>` as a child process (its memory is freed when it ends) when this CLI has the
 * command; otherwise says so and returns false.
 */
export async function runWren(cli: CliRunner, path: string[], args: string[]): Promise<boolean> {
  if (!hasCommand(cli.program, path)) {
    cli.log(`skipped: this build has no "wren ${path.join(" ")}" command yet`);
    return false;
  }
  const spec: ProcessSpec = {
    label: `wren ${path.join(" ")}`,
    command: cli.command,
    args: [...cli.baseArgs, ...path, ...args],
    cwd: cli.cwd,
  };
  cli.log(`running wren ${[...path, ...args].join(" ")}`);
  await runToCompletion(cli.supervisor, spec);
  return true;
}
