import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { FeatureColumn, SampleTable } from "./scorer.js";

/** Columns every evaluation reads: the rating events and labels. */
export const BASE_COLUMNS = ["userId", "movieId", "rating", "timestamp", "label"] as const;

/** File names of the feature pipeline's output directory (`wren features`), as its manifest.json lists them. */
interface SamplesManifest {
  files?: {
    trainingSamples?: { parquet?: string; csv?: string };
    testSamples?: { parquet?: string; csv?: string };
  };
}

/**
 * Reads trainingSamples and testSamples (Parquet, else CSV) of a features directory, only the wanted
 * columns: integer columns as Int32Array, other numbers as Float64Array, strings as string[] (NULL → "" / 0).
 */
export async function loadSamples(
  dir: string,
  columns: readonly string[],
): Promise<{ train: SampleTable; test: SampleTable; files: { train: string; test: string } }> {
  let manifest: SamplesManifest = {};
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new Error(`${join(dir, "manifest.json")}: cannot read (${(err as Error).message})`);
  }
  const locate = async (part: "trainingSamples" | "testSamples") => {
    const named = manifest.files?.[part];
    for (const name of [named?.parquet, `${part}.parquet`, named?.csv, `${part}.csv`]) {
      if (!name) continue;
      const path = join(dir, name);
      if (await exists(path)) return path;
    }
    throw new Error(`${dir}: no ${part}.parquet or ${part}.csv (run \`wren features\` to create them)`);
  };
  const files = { train: await locate("trainingSamples"), test: await locate("testSamples") };
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const conn = await db.connect();
  try {
    const read = async (path: string): Promise<SampleTable> => {
      const source = path.endsWith(".parquet")
        ? `read_parquet(${sqlString(path)})`
        : `read_csv(${sqlString(path)}, header = true)`;
      const schema = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRows();
      const types = new Map(schema.map((r) => [String(r[0]), String(r[1])]));
      const integral = new Set<string>();
      const select = columns.map((c) => {
        const type = types.get(c);
        if (!type) throw new Error(`${path}: no column "${c}" (has: ${[...types.keys()].join(", ")})`);
        const q = `"${c.replaceAll('"', '""')}"`;
        if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|BOOLEAN)$/.test(type))
          return `coalesce(${q}::INTEGER, 0)`;
        // CSV readers infer BIGINT for any integer column: read as DOUBLE, narrowed to Int32 below if it fits.
        if (/^(BIGINT|UINTEGER|UBIGINT|HUGEINT)$/.test(type)) integral.add(c);
        if (/^(BIGINT|UINTEGER|UBIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/.test(type))
          return `coalesce(${q}::DOUBLE, 0)`;
        return `coalesce(${q}::VARCHAR, '')`;
      });
      const reader = await conn.runAndReadAll(`SELECT ${select.join(", ")} FROM ${source}`);
      const raw = reader.getColumns();
      const table = new Map<string, FeatureColumn>();
      columns.forEach((c, i) => {
        const type = reader.columnType(i).toString();
        const values = raw[i];
        if (type === "INTEGER" || (integral.has(c) && fitsInt32(values as number[])))
          table.set(c, Int32Array.from(values as number[]));
        else if (type === "DOUBLE") table.set(c, Float64Array.from(values as number[]));
        else table.set(c, values as string[]);
      });
      return { size: reader.currentRowCount, columns: table };
    };
    return { train: await read(files.train), test: await read(files.test), files };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function fitsInt32(values: number[]): boolean {
  for (const v of values) if (v !== (v | 0)) return false;
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
