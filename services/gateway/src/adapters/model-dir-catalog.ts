import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SIGNATURE_FILE } from "@wren/onnx";
import type { ModelCatalog } from "../domain/ports.js";
import type { ModelVersion, ModelVersions } from "../domain/types.js";

const VERSION_DIR = /^[1-9][0-9]*$/;

/**
 * Trained models from the models directory (`<root>/<model>/<version>/`, the layout the trainer writes
 * and the model server serves), with each version's export-time metrics. A version directory is complete
 * once it exists (writers rename it into place). Re-read at most every `ttlMs`, so a newly trained model
 * shows up without a restart.
 */
export function modelDirCatalog(root: string, ttlMs = 2000): ModelCatalog {
  let cached: { at: number; models: ModelVersions[] } | null = null;
  return {
    async list() {
      if (cached && Date.now() - cached.at < ttlMs) return cached.models;
      const models = await scan(root);
      cached = { at: Date.now(), models };
      return models;
    },
  };
}

async function scan(root: string): Promise<ModelVersions[]> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const models: ModelVersions[] = [];
  for (const name of names.sort()) {
    const entries = await readdir(join(root, name), { withFileTypes: true });
    const numbers = entries
      .filter((d) => d.isDirectory() && VERSION_DIR.test(d.name))
      .map((d) => Number(d.name))
      .sort((a, b) => a - b);
    const versions = await Promise.all(numbers.map((v) => readVersion(join(root, name, String(v)), v)));
    if (versions.length > 0) models.push({ name, versions });
  }
  return models;
}

/** A version's metrics from its signature file; a missing or unreadable one shows no metrics. */
async function readVersion(dir: string, version: number): Promise<ModelVersion> {
  try {
    const sig = JSON.parse(await readFile(join(dir, SIGNATURE_FILE), "utf8")) as {
      createdAt?: unknown;
      metrics?: Record<string, unknown>;
    };
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(sig.metrics ?? {}))
      if (typeof v === "number" && Number.isFinite(v)) metrics[k] = v;
    return { version, createdAt: typeof sig.createdAt === "string" ? sig.createdAt : null, metrics };
  } catch {
    return { version, createdAt: null, metrics: {} };
  }
}
