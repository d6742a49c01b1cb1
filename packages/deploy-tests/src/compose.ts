import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { repoPath } from "./paths.js";

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  profiles?: string[];
  init?: boolean;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  deploy?: { replicas?: number | string };
  stop_grace_period?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = repoPath("docker-compose.yml");

/** docker-compose.yml with YAML merge keys (`<<: *anchor`) applied, as compose applies them. */
export function readCompose(file = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(file, "utf8"), { merge: true }) as ComposeFile;
}

/** Names of the `${VAR}`, `${VAR:-x}`, `${VAR:?x}` variables a compose file interpolates. */
export function interpolatedVariables(text: string): Set<string> {
  const withoutComments = text.replace(/^\s*#.*$/gm, "");
  return new Set([...withoutComments.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
}

/** The workspace folder a service's image is built from (`services/<name>`, `packages/cli`). */
export const packageOf = (svc: ComposeService) => svc.build?.args?.PACKAGE;

/** Compose's interpolation of one value: `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$` → `$`. */
export function interpolate(value: string, vars: Map<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (all, name, op, arg) => {
    if (all === "$$") return "$";
    const v = vars.get(name);
    if (op === "?" && !v) throw new Error(`${name}: ${arg}`);
    if (op === "-" && !v) return arg;
    return v ?? "";
  });
}

/** A service's environment as its container sees it, given the variables of an .env file. */
export function containerEnv(svc: ComposeService, vars: Map<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ""), vars)]),
  );
}
