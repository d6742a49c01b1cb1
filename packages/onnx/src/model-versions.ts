import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_FILE, type ModelSignatureFile, parseSignatureFile, SIGNATURE_FILE } from "./model-dir.js";

/**
 * The version number of a directory name, or undefined when the name is not a version. Like TF Serving's
 * SimpleAtoi check: "002" is version 2; "tmp", "1a" and temp dirs are ignored.
 */
export function parseVersionDirName(name: string): number | undefined {
  if (!/^\d{1,15}$/.test(name)) return undefined;
  return Number(name);
}

export interface VersionDir {
  version: number;
  dir: string;
}

/** Numeric version directories under a model's base path, ascending. A missing base path gives []. */
export async function listVersions(basePath: string): Promise<VersionDir[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(basePath, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const byVersion = new Map<number, string>();
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const v = parseVersionDirName(e.name);
    if (v !== undefined) byVersion.set(v, join(basePath, e.name));
  }
  return [...byVersion.entries()].sort((a, b) => a[0] - b[0]).map(([version, dir]) => ({ version, dir }));
}

export interface ModelVersion {
  version: number;
  dir: string;
  onnx: Uint8Array;
  signature: ModelSignatureFile;
}

/** Reads and validates one version directory; throws an error naming the file that is missing or broken. */
export async function readModelVersion(dir: string): Promise<ModelVersion> {
  const name = dir.replace(/\/+$/, "").split("/").pop() ?? "";
  const version = parseVersionDirName(name);
  if (version === undefined) throw new Error(`${dir}: directory name is not a version number`);
  const sigPath = join(dir, SIGNATURE_FILE);
  const modelPath = join(dir, MODEL_FILE);
  let sigText: string;
  try {
    sigText = await readFile(sigPath, "utf8");
  } catch (err) {
    throw new Error(`${sigPath}: cannot read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(sigText);
  } catch (err) {
    throw new Error(`${sigPath}: invalid JSON (${(err as Error).message})`);
  }
  const signature = parseSignatureFile(json, sigPath);
  let onnx: Uint8Array;
  try {
    onnx = await readFile(modelPath);
  } catch (err) {
    throw new Error(`${modelPath}: cannot read (${(err as Error).message})`);
  }
  if (onnx.byteLength === 0) throw new Error(`${modelPath}: file is empty`);
  return { version, dir, onnx, signature };
}

async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Publishes a new version of `modelName` under `modelsRoot`: the next integer version after the highest on
 * disk. Files are written and fsynced in a temp directory in the same parent, then renamed into place, so
 * readers (the model server's poller) never see a half-written version.
 */
export async function writeModelVersion(
  modelsRoot: string,
  modelName: string,
  files: { onnx: Uint8Array; signature: ModelSignatureFile },
): Promise<VersionDir> {
  parseSignatureFile(files.signature, `${modelName} signature`);
  const base = join(modelsRoot, modelName);
  await mkdir(base, { recursive: true });
  const tmp = join(base, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(tmp);
  try {
    await writeFileSynced(join(tmp, MODEL_FILE), files.onnx);
    await writeFileSynced(join(tmp, SIGNATURE_FILE), `${JSON.stringify(files.signature, null, 2)}\n`);
    await syncDir(tmp);
    // Another writer may take the same number between listing and renaming: try the next one.
    for (let attempt = 0; attempt < 100; attempt++) {
      const versions = await listVersions(base);
      const version = (versions.at(-1)?.version ?? 0) + 1;
      const dir = join(base, String(version));
      try {
        // rename(2) refuses to replace a non-empty directory, so a concurrent writer that took this
        // number first makes us fail with ENOTEMPTY/EEXIST and try the next one.
        await rename(tmp, dir);
        await syncDir(base);
        return { version, dir };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      }
    }
    throw new Error(`${base}: could not claim a new version number`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
