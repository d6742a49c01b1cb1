import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

/**
 * Extracts every entry of `zipPath` under `destDir`, streaming each entry to disk. Entries whose path would
 * land outside `destDir` (absolute paths, "..") are refused before anything is written for them.
 */
export async function extractZip(zipPath: string, destDir: string): Promise<string[]> {
  const root = resolve(destDir);
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err ? fail(err) : ok(z))),
  );
  const written: string[] = [];
  try {
    await new Promise<void>((ok, fail) => {
      zip.on("error", fail);
      zip.on("end", () => ok());
      zip.on("entry", (entry: yauzl.Entry) => {
        extractEntry(zip, entry, root)
          .then((path) => {
            if (path) written.push(path);
            zip.readEntry();
          })
          .catch(fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return written;
}

async function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, root: string): Promise<string | null> {
  const name = entry.fileName.replaceAll("\\", "/");
  const target = resolve(root, name);
  if (
    isAbsolute(name) ||
    name.split("/").includes("..") ||
    !(target === root || target.startsWith(root + sep))
  ) {
    throw new Error(`refusing zip entry "${entry.fileName}": it would be written outside ${root}`);
  }
  if (name.endsWith("/")) {
    await mkdir(target, { recursive: true });
    return null;
  }
  await mkdir(dirname(target), { recursive: true });
  const stream = await new Promise<NodeJS.ReadableStream>((ok, fail) =>
    zip.openReadStream(entry, (err, s) => (err ? fail(err) : ok(s))),
  );
  await pipeline(stream, createWriteStream(target));
  return join(root, name);
}
