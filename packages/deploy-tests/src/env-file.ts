import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { repoPath } from "./paths.js";

/** KEY=VALUE lines of a dotenv file; comments and blank lines skipped. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not KEY=VALUE: ${raw}`);
    out.set(m[1], m[2]);
  }
  return out;
}

export const readEnvExample = () => parseEnvFile(readFileSync(repoPath(".env.example"), "utf8"));

/** What `sh deploy/make-env.sh > .env` would write: .env.example with fresh passwords. */
export function makeEnv(): Map<string, string> {
  return parseEnvFile(execFileSync("sh", [repoPath("deploy", "make-env.sh")], { encoding: "utf8" }));
}
