import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeModelVersion } from "@wren/onnx";
import { buildNeuralCfFixture, type NeuralCfFixture } from "@wren/onnx/testing";
import type { Logger } from "../src/logger.js";

/** Small embedding tables keep model builds fast; the id ranges still exercise the range checks. */
export const USER_BUCKETS = 3001;
export const MOVIE_BUCKETS = 1001;

export function fixture(seed: number): NeuralCfFixture {
  return buildNeuralCfFixture({ seed, userBuckets: USER_BUCKETS, movieBuckets: MOVIE_BUCKETS });
}

export async function modelsRoot(): Promise<{ root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "wren-model-server-"));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function publish(
  root: string,
  name: string,
  seed: number,
): Promise<{ version: number; dir: string; fx: NeuralCfFixture }> {
  const fx = fixture(seed);
  const v = await writeModelVersion(root, name, fx);
  return { ...v, fx };
}

/** A logger that keeps lines for assertions. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`I ${m}`),
    warn: (m) => lines.push(`W ${m}`),
    error: (m) => lines.push(`E ${m}`),
  };
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
