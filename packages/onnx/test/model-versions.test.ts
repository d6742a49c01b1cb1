import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listVersions, parseSignatureFile, readModelVersion, writeModelVersion } from "../src/index.js";
import { buildNeuralCfFixture } from "../src/testing/neuralcf-fixture.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wren-onnx-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("model version directories", () => {
  it("writes increasing versions atomically and reads them back", async () => {
    const fx = buildNeuralCfFixture({ userBuckets: 5, movieBuckets: 5 });
    const a = await writeModelVersion(root, "neuralcf", fx);
    const b = await writeModelVersion(root, "neuralcf", fx);
    expect([a.version, b.version]).toEqual([1, 2]);
    expect((await readdir(join(root, "neuralcf"))).sort()).toEqual(["1", "2"]);
    const read = await readModelVersion(b.dir);
    expect(read.version).toBe(2);
    expect(Buffer.from(read.onnx).equals(Buffer.from(fx.onnx))).toBe(true);
    expect(read.signature).toEqual(fx.signature);
  });

  it("concurrent writers get distinct versions", async () => {
    const fx = buildNeuralCfFixture({ userBuckets: 5, movieBuckets: 5 });
    const results = await Promise.all([1, 2, 3, 4].map(() => writeModelVersion(root, "m", fx)));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
  });

  it("lists only numeric directories, like TF Serving (002 is 2; tmp and 1a are ignored)", async () => {
    const base = join(root, "m");
    for (const d of ["002", "10", "tmp", "1a", ".tmp-1-abc"]) await mkdir(join(base, d), { recursive: true });
    await writeFile(join(base, "7"), "a file, not a dir");
    expect((await listVersions(base)).map((v) => v.version)).toEqual([2, 10]);
    expect(await listVersions(join(root, "missing"))).toEqual([]);
  });

  it("refuses broken version directories with the file named", async () => {
    const dir = join(root, "m", "3");
    await mkdir(dir, { recursive: true });
    await expect(readModelVersion(dir)).rejects.toThrow(/signature\.json: cannot read/);
    await writeFile(join(dir, "signature.json"), "{ not json");
    await expect(readModelVersion(dir)).rejects.toThrow(/signature\.json: invalid JSON/);
    const sig = buildNeuralCfFixture({ userBuckets: 2, movieBuckets: 2 }).signature;
    await writeFile(join(dir, "signature.json"), JSON.stringify(sig));
    await expect(readModelVersion(dir)).rejects.toThrow(/model\.onnx: cannot read/);
  });

  it("validates signature files field by field", () => {
    const sig = buildNeuralCfFixture({ userBuckets: 2, movieBuckets: 2 }).signature;
    expect(parseSignatureFile(sig)).toBe(sig);
    const broken = structuredClone(sig) as unknown as { signatures: Record<string, Record<string, unknown>> };
    (broken.signatures.serving_default.inputs as Record<string, { dtype: string }>).userId.dtype = "DT_HALF";
    expect(() => parseSignatureFile(broken, "x.json")).toThrow(
      /x\.json: signatures\.serving_default\.inputs\.userId\.dtype must be one of/,
    );
    expect(() => parseSignatureFile({ ...sig, signatures: {} })).toThrow(/serving_default/);
  });
});
