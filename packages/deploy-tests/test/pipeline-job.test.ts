import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageOf, readCompose } from "../src/compose.js";
import { repoPath } from "../src/paths.js";

const run = promisify(execFile);
const pipeline = readCompose().services.pipeline;
const script = (pipeline.entrypoint ?? []).join(" ");
/** Each `wren-entrypoint <command…> --flag …` line of the job: the CLI sub-command and the flags it passes. */
const steps = [...script.matchAll(/wren-entrypoint ((?:[a-z]+ ?)+)([^\n]*)/g)].map((m) => ({
  command: m[1].trim().split(" "),
  flags: [...m[2].matchAll(/(--[a-z-]+)/g)].map((f) => f[1]),
}));

describe("pipeline job in docker-compose.yml", () => {
  it("generates data, runs the feature pipeline and trains the default model", () => {
    expect(steps.map((s) => s.command.join(" "))).toEqual(["data generate", "pipeline", "train"]);
  });

  it("uses only commands and flags the wren CLI has (asked through the container command)", async () => {
    const cwd = repoPath(packageOf(pipeline) as string);
    const helps = await Promise.all(
      steps.map((s) => run("sh", [repoPath("deploy/entrypoint.sh"), ...s.command, "--help"], { cwd })),
    );
    for (const [i, { stdout }] of helps.entries()) {
      for (const flag of steps[i].flags) {
        // Whole flag only: --models must not pass because --models-root exists.
        expect(stdout, `wren ${steps[i].command.join(" ")} ${flag}`).toMatch(new RegExp(`${flag}(?![\\w-])`));
      }
    }
  }, 120_000);
});
