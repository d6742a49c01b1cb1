import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import { DownloadError, downloadDataset, openDataset } from "../src/index.js";
import { collect, tempDataset } from "./fixtures.js";

const MOVIES =
  'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,"American President, The (1995)",Comedy\n';
const RATINGS = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,3.5,964982704\n";

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** Routes under /<scenario>/<file>: each scenario serves the zip (and its .md5) in one particular way. */
interface Scenario {
  zip: Buffer;
  md5?: string;
  truncate?: boolean;
}

describe("downloadDataset against a local HTTP server", () => {
  let server: Server;
  let base: string;
  const scenarios: Record<string, Scenario> = {};
  const requests: string[] = [];

  beforeAll(async () => {
    const good = await zipOf({
      "ml-latest-small/movies.csv": MOVIES,
      "ml-latest-small/ratings.csv": RATINGS,
      "ml-latest-small/README.txt": "hi",
    });
    // yazl refuses "../" names, so write a same-length safe name and patch the bytes into a traversal.
    const evil = await zipOf({ "ml-latest-small/movies.csv": MOVIES, "xx/escape.txt": "pwned" });
    const evilPatched = Buffer.from(
      evil.toString("latin1").replaceAll("xx/escape.txt", "../escape.txt"),
      "latin1",
    );
    Object.assign(scenarios, {
      good: { zip: good, md5: `MD5 (ml-latest-small.zip) = ${md5(good)}\n` },
      plainmd5: { zip: good, md5: `${md5(good)}  ml-latest-small.zip\n` },
      nomd5: { zip: good },
      badmd5: { zip: good, md5: `MD5 (ml-latest-small.zip) = ${"0".repeat(32)}\n` },
      truncated: { zip: good, md5: `MD5 (ml-latest-small.zip) = ${md5(good)}\n`, truncate: true },
      notdata: { zip: await zipOf({ "ml-latest-small/notes.txt": "no data" }) },
      evil: { zip: evilPatched },
      flat: {
        zip: await zipOf({
          "movies.dat": "1::Toy Story (1995)::Animation\n",
          "ratings.dat": "1::1::5::978300760\n",
        }),
      },
    });
    server = createServer((req, res) => {
      requests.push(req.url ?? "");
      const [, scenario, file] = (req.url ?? "").split("/");
      const s = scenarios[scenario];
      if (!s) return void res.writeHead(404).end("not found");
      if (file.endsWith(".zip.md5"))
        return void (s.md5 ? res.writeHead(200).end(s.md5) : res.writeHead(404).end());
      if (!file.endsWith(".zip")) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/zip", "content-length": s.zip.length });
      if (s.truncate) {
        res.write(s.zip.subarray(0, s.zip.length >> 1));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(s.zip);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
  });

  async function failure(name: string, scenario: string): Promise<{ message: string; dest: string }> {
    const dest = await tempDataset();
    const err = await downloadDataset(name, { dest, baseUrl: `${base}/${scenario}` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    return { message: (err as Error).message, dest };
  }

  it("downloads, checks the published MD5, unpacks and opens the data set", async () => {
    const dest = await tempDataset();
    const progress: Array<number | null> = [];
    const result = await downloadDataset("ml-latest-small", {
      dest,
      baseUrl: `${base}/good/`,
      onProgress: (done, total) => progress.push(done, total),
    });
    expect(result).toMatchObject({
      name: "ml-latest-small",
      format: "ml-latest",
      checksum: "published",
      md5: md5(scenarios.good.zip),
    });
    expect(result.dir).toBe(join(dest, "ml-latest-small"));
    expect(progress.at(-2)).toBe(scenarios.good.zip.length);
    expect(progress.at(-1)).toBe(scenarios.good.zip.length);
    expect(await readdir(dest)).toEqual(["ml-latest-small"]); // no temp files left
    const movies = await collect((await openDataset(result.dir)).movies());
    expect(movies[1].title).toBe("American President, The (1995)");
    expect(requests).toContain("/good/ml-latest-small.zip.md5");
  });

  it("accepts md5sum-style checksum files and zips without a top folder", async () => {
    const dest = await tempDataset();
    expect((await downloadDataset("ml-latest-small", { dest, baseUrl: `${base}/plainmd5` })).checksum).toBe(
      "published",
    );
    const flat = await downloadDataset("ml-100k", { dest, baseUrl: `${base}/flat` }).catch((e: Error) => e);
    // ml-100k has a pinned MD5, which a test zip cannot match
    expect((flat as Error).message).toMatch(
      /checksum mismatch .*expected MD5 0e33842e24a9c977be4e0107933c0723, got/,
    );
  });

  it("says so and checks the size only when no .md5 is published", async () => {
    const dest = await tempDataset();
    const notes: string[] = [];
    const result = await downloadDataset("ml-latest-small", {
      dest,
      baseUrl: `${base}/nomd5`,
      log: (m) => notes.push(m),
    });
    expect(result.checksum).toBe("size-only");
    expect(notes.join("\n")).toMatch(
      /no checksum published at .*ml-latest-small.zip.md5: checked the size only/,
    );
  });

  it("rejects a checksum mismatch and leaves nothing behind", async () => {
    const { message, dest } = await failure("ml-latest-small", "badmd5");
    expect(message).toMatch(/checksum mismatch .*expected MD5 0{32} \(from .*\.md5\), got [0-9a-f]{32}/);
    expect(await readdir(dest)).toEqual([]);
  });

  it("rejects a truncated body", async () => {
    const { message, dest } = await failure("ml-latest-small", "truncated");
    expect(message).toMatch(/broke off after \d+ of \d+ bytes|truncated: received \d+ of \d+ bytes/);
    expect(await readdir(dest)).toEqual([]);
  });

  it("refuses zip entries that escape the destination", async () => {
    const { message, dest } = await failure("ml-latest-small", "evil");
    expect(message).toMatch(/cannot unpack .*(escape|relative path)/);
    expect(await readdir(dest)).toEqual([]);
    await expect(readFile(join(dest, "..", "escape.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects a zip that holds no MovieLens data, an HTTP error and an unknown name", async () => {
    expect((await failure("ml-latest-small", "notdata")).message).toMatch(
      /did not contain a MovieLens data set: no MovieLens files/,
    );
    expect((await failure("ml-latest-small", "missing")).message).toMatch(
      /HTTP 404 .* for .*\/missing\/ml-latest-small.zip/,
    );
    expect((await failure("ml-50m", "good")).message).toMatch(
      /unknown data set "ml-50m": choose one of ml-latest-small, ml-1m/,
    );
  });

  it("suggests generated data when the server cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    const dest = await tempDataset();
    await expect(downloadDataset("ml-1m", { dest, baseUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
      /cannot reach 127.0.0.1:\d+ \(ECONNREFUSED\): are you offline\? `wren data generate`/,
    );
  });
});
