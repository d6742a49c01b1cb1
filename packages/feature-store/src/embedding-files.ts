import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EmbeddingInput } from "./loader.js";

/**
 * Embedding files in a features output directory (`<out>/embeddings/`), so any trainer can hand vectors to
 * `wren features load` (docs/feature-store.md):
 *   `<space>.json` — {"space", "dim", "count"}
 *   `<space>.f32`  — `count` int32 LE ids, then `count × dim` float32 LE values, row i belonging to id i.
 */
export interface EmbeddingTable {
  ids: Int32Array;
  vectors: Float32Array;
  dim: number;
}

export const EMBEDDINGS_DIR = "embeddings";

export async function writeEmbeddingFile(
  outDir: string,
  space: string,
  table: EmbeddingTable,
): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(space)) throw new Error(`invalid embedding space name "${space}"`);
  if (table.vectors.length !== table.ids.length * table.dim) {
    throw new Error(
      `embedding space ${space}: ${table.vectors.length} values for ${table.ids.length} ids × ${table.dim}`,
    );
  }
  const dir = join(outDir, EMBEDDINGS_DIR);
  await mkdir(dir, { recursive: true });
  const body = Buffer.alloc(table.ids.length * 4 + table.vectors.length * 4);
  for (let i = 0; i < table.ids.length; i++) body.writeInt32LE(table.ids[i], i * 4);
  const base = table.ids.length * 4;
  for (let i = 0; i < table.vectors.length; i++) body.writeFloatLE(table.vectors[i], base + i * 4);
  await writeFile(join(dir, `${space}.f32`), body);
  await writeFile(
    join(dir, `${space}.json`),
    `${JSON.stringify({ space, dim: table.dim, count: table.ids.length })}\n`,
  );
}

/** Every embedding space found in `<outDir>/embeddings/` (none when the directory is missing). */
export async function readEmbeddingFiles(outDir: string): Promise<EmbeddingInput[]> {
  const dir = join(outDir, EMBEDDINGS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: EmbeddingInput[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    const { space, dim, count } = JSON.parse(await readFile(join(dir, name), "utf8")) as {
      space: string;
      dim: number;
      count: number;
    };
    const body = await readFile(join(dir, `${space}.f32`));
    if (body.length !== count * 4 * (dim + 1)) {
      throw new Error(
        `${join(dir, `${space}.f32`)}: ${body.length} bytes, expected ${count * 4 * (dim + 1)}`,
      );
    }
    const vectors = Array.from({ length: count }, (_, i) => {
      const v = new Float32Array(dim);
      const o = count * 4 + i * dim * 4;
      for (let d = 0; d < dim; d++) v[d] = body.readFloatLE(o + d * 4);
      return { id: body.readInt32LE(i * 4), vector: v };
    });
    out.push({ space, dim, vectors });
  }
  return out;
}
