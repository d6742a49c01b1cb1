import { readFile, rename, writeFile } from "node:fs/promises";
import type { Model, ModelSpecBase } from "./model.js";
import { createModel } from "./registry.js";

const MAGIC = "wren-checkpoint";

/**
 * Checkpoint file: a 4-byte little-endian header length, a JSON header (model spec, parameter count,
 * optimiser steps), then the weights and both optimiser-state arrays as raw float32. Written to a temp
 * file and renamed, so a crash never leaves a truncated checkpoint under the real name.
 */
export async function saveCheckpoint(model: Model, path: string): Promise<void> {
  const s = model.store;
  const header = Buffer.from(
    JSON.stringify({ format: MAGIC, version: 1, spec: model.spec, total: s.total, steps: s.steps[0] }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, Buffer.concat([len, header, bytes(s.weights), bytes(s.m), bytes(s.v)]));
  await rename(tmp, path);
}

export async function loadCheckpoint(path: string): Promise<Model> {
  const buf = await readFile(path);
  const fail = (why: string): never => {
    throw new Error(`${path}: not a Wren checkpoint (${why})`);
  };
  if (buf.length < 4) fail("file too short");
  const hLen = buf.readUInt32LE(0);
  if (4 + hLen > buf.length) fail("header length beyond the end of the file");
  let header: { format: string; version: number; spec: ModelSpecBase; total: number; steps: number };
  try {
    header = JSON.parse(buf.subarray(4, 4 + hLen).toString("utf8"));
  } catch {
    return fail("header is not JSON");
  }
  if (header.format !== MAGIC || header.version !== 1) fail(`format ${header.format} v${header.version}`);
  const model = createModel(header.spec);
  const s = model.store;
  if (s.total !== header.total) fail(`it holds ${header.total} parameters, the model needs ${s.total}`);
  const body = 4 + hLen;
  if (buf.length !== body + 12 * s.total) fail(`expected ${body + 12 * s.total} bytes, found ${buf.length}`);
  // Copy through a fresh aligned buffer: the header length leaves the floats at an arbitrary offset.
  const floats = new Float32Array(new Uint8Array(buf.subarray(body)).buffer);
  s.weights.set(floats.subarray(0, s.total));
  s.m.set(floats.subarray(s.total, 2 * s.total));
  s.v.set(floats.subarray(2 * s.total));
  s.steps[0] = header.steps;
  return model;
}
