import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoPath } from "./paths.js";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

const manifest = (folder: string): Manifest =>
  JSON.parse(readFileSync(repoPath(folder, "package.json"), "utf8"));

/** Workspace package name → folder (`@wren/bus` → `packages/bus`). */
export function workspaceFolders(): Map<string, string> {
  const out = new Map<string, string>();
  for (const root of ["packages", "services"]) {
    for (const dir of readdirSync(repoPath(root))) {
      const folder = `${root}/${dir}`;
      if (existsSync(repoPath(folder, "package.json"))) out.set(manifest(folder).name, folder);
    }
  }
  return out;
}

/** The folder and the folders of every workspace package it depends on at run time (not devDependencies). */
export function runtimeClosure(folder: string): string[] {
  const folders = workspaceFolders();
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const dep of Object.keys(manifest(f).dependencies ?? {})) {
      const depFolder = folders.get(dep);
      if (depFolder) visit(depFolder);
    }
  };
  visit(folder);
  return [...seen];
}

export function sourceFiles(folder: string): string[] {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir).flatMap((name) => {
          const p = join(dir, name);
          if (statSync(p).isDirectory()) return walk(p);
          return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
        })
      : [];
  return walk(repoPath(folder, "src"));
}

const ENV_READS = [
  /\benv\.([A-Z][A-Z0-9_]+)\b/g,
  /\benv\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]/g,
  /\(\s*env\s*,\s*["']([A-Z][A-Z0-9_]+)["']/g,
];

/** Environment keys the production code of these folders reads (`env.X`, `env["X"]`, `envInt(env, "X", …)`). */
export function envKeysRead(folders: string[]): Set<string> {
  const keys = new Set<string>();
  for (const f of folders.flatMap(sourceFiles)) {
    const src = readFileSync(f, "utf8");
    for (const re of ENV_READS) for (const m of src.matchAll(re)) keys.add(m[1]);
  }
  return keys;
}
