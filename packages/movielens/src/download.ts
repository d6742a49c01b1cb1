import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { detectFormat } from "./dataset.js";
import type { DatasetFormat, ProgressFn } from "./types.js";
import { extractZip } from "./unzip.js";

export const DOWNLOADABLE = ["ml-latest-small", "ml-1m", "ml-100k", "ml-25m"] as const;
export type DownloadableDataset = (typeof DOWNLOADABLE)[number];

export const GROUPLENS_BASE_URL = "https://files.grouplens.org/datasets/movielens";

/**
 * MD5s of the frozen releases, used when the server publishes no `.md5` beside the zip. ml-latest-small is
 * re-released from time to time, so it has none: its size is all that can be checked then.
 */
const PINNED_MD5: Partial<Record<DownloadableDataset, string>> = {
  "ml-100k": "0e33842e24a9c977be4e0107933c0723",
  "ml-1m": "c4d9eecfca2ab87c1945afe126590906",
  "ml-25m": "6b51fb2759a8657d3bfcbfc42b592ada",
};

export interface DownloadOptions {
  /** Directory the data set is unpacked into, as `<dest>/<name>/`. */
  dest: string;
  /** Where `<name>.zip` and `<name>.zip.md5` live; GroupLens by default. */
  baseUrl?: string;
  /** Passed to every fetch (headers, an AbortSignal, …). */
  fetchInit?: RequestInit;
  /** (bytes received, Content-Length or null). */
  onProgress?: ProgressFn;
  /** Notes for the user (e.g. "no checksum published"). */
  log?: (message: string) => void;
}

export interface DownloadResult {
  name: DownloadableDataset;
  dir: string;
  format: DatasetFormat;
  bytes: number;
  md5: string;
  /** "published": matched `<zip>.md5`; "pinned": matched the MD5 built into Wren; "size-only": none known. */
  checksum: "published" | "pinned" | "size-only";
}

export class DownloadError extends Error {
  override readonly name = "DownloadError";
}

export function isDownloadable(name: string): name is DownloadableDataset {
  return (DOWNLOADABLE as readonly string[]).includes(name);
}

/**
 * Downloads a MovieLens zip, checks its size and MD5, unpacks it to `<dest>/<name>/` and checks that the
 * result is a data set Wren can read. Nothing is left at the destination when any step fails.
 */
export async function downloadDataset(name: string, opts: DownloadOptions): Promise<DownloadResult> {
  if (!isDownloadable(name)) {
    throw new DownloadError(`unknown data set "${name}": choose one of ${DOWNLOADABLE.join(", ")}`);
  }
  const base = (opts.baseUrl ?? GROUPLENS_BASE_URL).replace(/\/+$/, "");
  const zipUrl = `${base}/${name}.zip`;
  const log = opts.log ?? (() => {});
  await mkdir(opts.dest, { recursive: true });
  const zipPath = join(opts.dest, `.${name}.zip.partial`);
  const staging = join(opts.dest, `.${name}.partial`);
  const finalDir = join(opts.dest, name);
  try {
    const published = await fetchPublishedMd5(`${zipUrl}.md5`, opts.fetchInit);
    const { bytes, md5 } = await fetchToFile(zipUrl, zipPath, opts);
    let checksum: DownloadResult["checksum"] = "size-only";
    const expected = published ?? PINNED_MD5[name];
    if (expected) {
      if (md5 !== expected) {
        throw new DownloadError(
          `checksum mismatch for ${zipUrl}: expected MD5 ${expected}${published ? ` (from ${zipUrl}.md5)` : ""}, got ${md5}; the download is corrupt, try again`,
        );
      }
      checksum = published ? "published" : "pinned";
    } else {
      log(`no checksum published at ${zipUrl}.md5: checked the size only (${bytes} bytes)`);
    }
    await rm(staging, { recursive: true, force: true });
    try {
      await extractZip(zipPath, staging);
    } catch (err) {
      throw new DownloadError(`cannot unpack ${zipUrl}: ${(err as Error).message}`);
    }
    const root = await zipRoot(staging);
    const format = await detectFormat(root).catch((err: Error) => {
      throw new DownloadError(
        `${zipUrl} did not contain a MovieLens data set: ${err.message.replaceAll(staging, `<${name}.zip>`)}`,
      );
    });
    await rm(finalDir, { recursive: true, force: true });
    await rename(root, finalDir);
    return { name, dir: finalDir, format, bytes, md5, checksum };
  } finally {
    await rm(zipPath, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/** GroupLens zips hold one top folder (`ml-1m/…`); a zip with the files at its root is accepted too. */
async function zipRoot(staging: string): Promise<string> {
  const entries = await readdir(staging);
  if (entries.length === 1 && (await stat(join(staging, entries[0]))).isDirectory()) {
    return join(staging, entries[0]);
  }
  return staging;
}

/** The MD5 in a `.md5` file ("MD5 (x.zip) = …" or "… x.zip"), or null when none is published. */
async function fetchPublishedMd5(url: string, init?: RequestInit): Promise<string | null> {
  const res = await request(url, init);
  if (res.status === 404) return null;
  if (!res.ok) throw new DownloadError(`HTTP ${res.status} ${res.statusText} for ${url}`);
  const text = await res.text();
  const match = /\b([0-9a-f]{32})\b/i.exec(text);
  if (!match) throw new DownloadError(`${url} holds no MD5 checksum: "${text.slice(0, 80)}"`);
  return match[1].toLowerCase();
}

async function fetchToFile(
  url: string,
  path: string,
  opts: DownloadOptions,
): Promise<{ bytes: number; md5: string }> {
  const res = await request(url, opts.fetchInit);
  if (!res.ok || !res.body) throw new DownloadError(`HTTP ${res.status} ${res.statusText} for ${url}`);
  const lengthHeader = res.headers.get("content-length");
  const expected = lengthHeader === null ? null : Number(lengthHeader);
  const hash = createHash("md5");
  let bytes = 0;
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    opts.onProgress?.(bytes, expected);
  });
  try {
    await pipeline(body, createWriteStream(path));
  } catch (err) {
    throw new DownloadError(
      `download of ${url} broke off after ${bytes}${expected === null ? "" : ` of ${expected}`} bytes (${describe(err)}); try again`,
    );
  }
  if (expected !== null && bytes !== expected) {
    throw new DownloadError(
      `download of ${url} is truncated: received ${bytes} of ${expected} bytes; try again`,
    );
  }
  return { bytes, md5: hash.digest("hex") };
}

const OFFLINE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { redirect: "follow", ...init });
  } catch (err) {
    const code = errorCode(err);
    const host = new URL(url).host;
    if (code && OFFLINE_CODES.has(code)) {
      throw new DownloadError(
        `cannot reach ${host} (${code}): are you offline? \`wren data generate\` writes demo data in MovieLens format without a network`,
      );
    }
    throw new DownloadError(`request to ${url} failed: ${describe(err)}`);
  }
}

/** fetch wraps the socket error as `cause` (sometimes twice). */
function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === "string") return e.code;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${message}, ${code}` : message;
}
