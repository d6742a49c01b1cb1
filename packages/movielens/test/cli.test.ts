import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerDataCommands } from "../../cli/src/commands/data.js";
import { tempDataset } from "./fixtures.js";

/**
 * Runs `wren data …` in-process through the real command definitions (the full CLI binary imports every
 * package, which costs seconds per start). Resolves with what it printed and the error it ended with.
 */
async function wrenData(...args: string[]): Promise<{ stdout: string; stderr: string; error: Error | null }> {
  const program = new Command().name("wren").exitOverride();
  let stderr = "";
  program.configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  registerDataCommands(program);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) });
    for (const sub of command.commands)
      sub.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) });
  }
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void lines.push(parts.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
    stderr += `${parts.join(" ")}\n`;
  });
  const error = await program.parseAsync(["data", ...args], { from: "user" }).then(
    () => null,
    (e: Error) => e,
  );
  return { stdout: lines.join("\n"), stderr, error };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("wren data (CLI commands)", () => {
  it("generates a data set and inspects it", async () => {
    const out = await tempDataset();
    const gen = await wrenData(
      "generate",
      "--users",
      "50",
      "--movies",
      "80",
      "--ratings",
      "1000",
      "--seed",
      "0",
      "--out",
      out,
      "--quiet",
    );
    expect(gen.error).toBeNull();
    expect(gen.stdout).toMatch(/50 users, 80 movies, 1000 ratings/);
    expect(gen.stdout).toMatch(/cluster +users +likes +dislikes/);
    expect(JSON.parse(await readFile(join(out, "truth.json"), "utf8")).seed).toBe(0);
    const inspect = await wrenData("inspect", out, "--json");
    expect(inspect.error).toBeNull();
    expect(JSON.parse(inspect.stdout)).toMatchObject({
      format: "ml-latest",
      movies: 80,
      ratings: 1000,
      users: 50,
      ratingsOfUnknownMovies: 0,
    });
  });

  it("fails with the parameter, file or directory named", async () => {
    const bad = await wrenData("generate", "--users", "ten");
    expect(bad.error).not.toBeNull();
    expect(bad.stderr).toMatch(/option '--users <n>' argument 'ten' is invalid. expected a positive integer/);
    const tooFew = await wrenData(
      "generate",
      "--users",
      "100",
      "--ratings",
      "10",
      "--out",
      await tempDataset(),
    );
    expect(tooFew.error?.message).toMatch(/ratings \(10\) must be at least 5 per user/);
    const missing = await wrenData("inspect", "/nonexistent/wren-data");
    expect(missing.error?.message).toMatch(/data directory \/nonexistent\/wren-data does not exist/);
    const dir = await tempDataset({
      "movies.csv": "movieId,title,genres\n1,A (1990),Drama\n",
      "ratings.csv": "userId,movieId,rating,timestamp\n1,1,7,1\n",
    });
    const parse = await wrenData("inspect", dir);
    expect(parse.error?.message).toBe(`${join(dir, "ratings.csv")}:2: rating 7 is outside 0.5–5: "1,1,7,1"`);
    const unknown = await wrenData("download", "ml-50m");
    expect(unknown.error?.message).toMatch(/unknown data set "ml-50m": choose one of ml-latest-small, ml-1m/);
  });
});
