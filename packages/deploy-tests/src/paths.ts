import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/deploy-tests/src/paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const repoPath = (...parts: string[]) => [REPO_ROOT.replace(/\/$/, ""), ...parts].join("/");

export const NATS_PERMISSIONS_FILE = repoPath("deploy", "nats", "permissions.conf");
