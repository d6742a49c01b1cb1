/**
 * MovieLens package benchmark (on demand, not in CI):
 *   pnpm exec tsx packages/movielens/bench/movielens.ts [--ratings 1000000] [--keep]
 * 1. Generation: ratings/s and peak RSS, against a same-run baseline that only writes the same number of
 *    bytes of ready-made lines through the same buffered writer (so the ratio is the cost of the model).
 * 2. Reading ratings.csv: lines/s of `ratingBatches()` and of `ratings()`, against two same-run baselines on
 *    the same file: a raw byte read that only counts newlines (the disk/stream ceiling), and the usual
 *    readline + split + Number parser.
 * Users and movies scale with the ratings as in ml-25m (≈154 ratings per user, ≈400 per movie).
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BufferedFileWriter } from "../src/buffered-writer.js";
import { generateDataset, openDataset } from "../src/index.js";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ratings = Number(arg("--ratings") ?? 1_000_000);
const users = Math.max(1000, Math.round(ratings / 154));
const movies = Math.max(1500, Math.round(ratings / 400));
const dir = await mkdtemp(join(tmpdir(), "wren-bench-movielens-"));
/** CPU seconds (user + system) of this process since `from`: steadier than wall time on a shared machine. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
const seconds = cpuSince;
const rate = (n: number, s: number) => `${(n / s / 1e6).toFixed(2)} M/s`;
const mib = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;

console.log(`movielens benchmark: ${ratings} ratings, ${users} users, ${movies} movies in ${dir}`);
console.log("(times are CPU seconds of this process, steadier than wall time on a shared machine)\n");

let t = process.cpuUsage();
await generateDataset({ out: dir, users, movies, ratings, truth: false });
const genSec = seconds(t);
const ratingsFile = join(dir, "ratings.csv");
const bytes = (await stat(ratingsFile)).size;
console.log(`generate          ${genSec.toFixed(2)} s  ${rate(ratings, genSec)} ratings  peak RSS ${mib()}`);

t = process.cpuUsage();
const writer = new BufferedFileWriter(join(dir, "baseline.csv"));
const line = "123456,12345,3.5,1234567890\n";
const perBatch = 1000;
let text = "";
for (let i = 0; i < perBatch; i++) text += line;
for (let written = 0; written < bytes; written += text.length) {
  writer.write(text);
  await writer.drain();
}
await writer.close();
const writeSec = seconds(t);
console.log(
  `  baseline write  ${writeSec.toFixed(2)} s  (same bytes, no model)  → generation costs ${(genSec / writeSec).toFixed(1)}× a plain write`,
);

t = process.cpuUsage();
let newlines = 0;
for await (const chunk of createReadStream(ratingsFile, {
  highWaterMark: 1 << 20,
}) as AsyncIterable<Buffer>) {
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
}
const rawSec = seconds(t);

t = process.cpuUsage();
let naive = 0;
let checksum = 0;
const rl = createInterface({ input: createReadStream(ratingsFile), crlfDelay: Number.POSITIVE_INFINITY });
rl.on("line", (l) => {
  const f = l.split(",");
  const r = Number(f[2]);
  if (!Number.isNaN(r)) {
    checksum += Number(f[0]) + Number(f[1]) + r + Number(f[3]);
    naive++;
  }
});
await once(rl, "close");
const naiveSec = seconds(t);

const ds = await openDataset(dir);
t = process.cpuUsage();
let batched = 0;
let batchSum = 0;
for await (const batch of ds.ratingBatches()) {
  for (const r of batch) batchSum += r.userId + r.movieId + r.rating + r.timestamp;
  batched += batch.length;
}
const batchSec = seconds(t);

t = process.cpuUsage();
let items = 0;
for await (const _ of ds.ratings()) items++;
const itemSec = seconds(t);

if (
  batched !== ratings ||
  items !== ratings ||
  naive !== ratings ||
  newlines !== ratings + 1 ||
  batchSum !== checksum
) {
  throw new Error(`count mismatch: ${batched} ${items} ${naive} ${newlines} (expected ${ratings})`);
}
console.log(`read ratings.csv (${(bytes / 1e6).toFixed(0)} MB)`);
console.log(`  raw bytes, count newlines   ${rawSec.toFixed(2)} s  ${rate(ratings, rawSec)} lines`);
console.log(
  `  readline + split + Number   ${naiveSec.toFixed(2)} s  ${rate(ratings, naiveSec)} lines  (baseline)`,
);
console.log(
  `  ratingBatches()             ${batchSec.toFixed(2)} s  ${rate(ratings, batchSec)} lines  ${(naiveSec / batchSec).toFixed(1)}× readline, ${(rawSec / batchSec).toFixed(2)}× raw read speed`,
);
console.log(
  `  ratings() one by one        ${itemSec.toFixed(2)} s  ${rate(ratings, itemSec)} lines  ${(naiveSec / itemSec).toFixed(1)}× readline`,
);
console.log(`peak RSS ${mib()}`);
if (!args.includes("--keep")) await rm(dir, { recursive: true, force: true });
