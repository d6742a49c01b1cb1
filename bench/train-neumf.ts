/**
 * NeuMF training benchmark (on demand, not in CI): Wren's trainer against a PyTorch reference on the
 * same data and the same model (GMF factor 8, MLP [64,32,16,8], batch 256, 4 negatives per positive,
 * Adam 1e-3).
 *   pnpm exec tsx bench/train-neumf.ts [--users 1000] [--movies 1500] [--ratings 100000] [--epochs 3]
 *                                      [--workers 2] [--threads 2] [--no-torch]
 * 1. generates MovieLens-format demo data with planted taste clusters (seeded) and turns it into implicit
 *    feedback: positives = ratings ≥ 3.5, each user's latest positive held out (NCF leave-one-out) and
 *    ranked among 99 sampled movies the user never rated;
 * 2. trains Wren's neuralcf on 1 thread and on --workers threads (Hogwild), and PyTorch
 *    (bench/train_neumf_torch.py, Debian python3-torch, /usr/bin/python3, --threads intra-op threads);
 * 3. prints samples/s, HR@10 and NDCG@10 of each, and Wren/PyTorch ratios. PyTorch times its training
 *    loop only (negative sampling included, as Wren's); Wren's rate comes from its own epoch timers.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateDataset } from "../packages/movielens/src/index.js";
import { leaveOneOut } from "../packages/trainer/src/eval/leave-one-out.js";
import { sampleTopKCases, topKMetrics } from "../packages/trainer/src/eval/topk.js";
import { createModel, implicitSource, neuralCfSpec, predict, train } from "../packages/trainer/src/index.js";
import type { RatingEvent } from "../packages/trainer/src/item2vec/sequences.js";
import { hasFlag, positiveArg } from "./args.js";

const users = positiveArg("--users", 1000);
const movies = positiveArg("--movies", 1500);
const nRatings = positiveArg("--ratings", 100_000);
const epochs = positiveArg("--epochs", 3);
const workers = positiveArg("--workers", 2);
const threads = positiveArg("--threads", 2);
const withTorch = !hasFlag("--no-torch");
const SEED = 42;
const NEGATIVES = 4;
const BATCH = 256;
const LR = 1e-3;

const dir = await mkdtemp(join(tmpdir(), "wren-bench-neumf-"));
try {
  console.log(
    `NeuMF training benchmark: ${users} users, ${movies} movies, ${nRatings} ratings, ${epochs} epochs, batch ${BATCH}, ${NEGATIVES} negatives/positive, Adam ${LR}; ${cpus().length} cores (shared machine: compare the ratios, not absolute rates)`,
  );
  await generateDataset({
    out: join(dir, "data"),
    users,
    movies,
    ratings: nRatings,
    seed: SEED,
    truth: false,
  });
  const ratings: RatingEvent[] = (await readFile(join(dir, "data", "ratings.csv"), "utf8"))
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [u, m, r, t] = line.split(",");
      return { userId: Number(u), movieId: Number(m), rating: Number(r), timestamp: Number(t) };
    });
  const split = leaveOneOut(ratings);
  const kept = ratings.filter((r) => !split.isHeldOut(r.userId, r.movieId));
  const trainUsers = Int32Array.from(kept, (r) => r.userId);
  const trainItems = Int32Array.from(kept, (r) => r.movieId);
  const trainLabels = Float32Array.from(kept, (r) => (r.rating >= 3.5 ? 1 : 0));
  const interacted = new Map<number, Set<number>>();
  for (const r of ratings) {
    const s = interacted.get(r.userId) ?? new Set<number>();
    interacted.set(r.userId, s);
    s.add(r.movieId);
  }
  const catalogue = Int32Array.from(new Set(trainItems)).sort();
  const { cases } = sampleTopKCases(split.heldOut.values(), interacted, catalogue, {
    negatives: 99,
    seed: SEED,
  });
  const nUsers = ratings.reduce((a, r) => Math.max(a, r.userId), 0) + 1;
  const nMovies = ratings.reduce((a, r) => Math.max(a, r.movieId), 0) + 1;
  let positives = 0;
  for (const y of trainLabels) positives += y;
  console.log(
    `implicit feedback: ${positives} training positives (${positives * (1 + NEGATIVES)} rows/epoch), ${cases.length} held-out users × 100 candidates`,
  );

  const caseUsers = new Int32Array(cases.length * 100);
  const caseItems = new Int32Array(cases.length * 100);
  cases.forEach((c, k) => {
    caseUsers.fill(c.userId, k * 100, (k + 1) * 100);
    caseItems.set(c.candidates, k * 100);
  });

  const runWren = async (w: number) => {
    const model = createModel(neuralCfSpec(nUsers, nMovies));
    const src = implicitSource(trainUsers, trainItems, trainLabels, nUsers, NEGATIVES);
    const result = await train(model, src, { epochs, workers: w, seed: SEED, batchSize: BATCH });
    const scores = predict(model, {
      rows: caseUsers.length,
      ints: { userId: caseUsers, movieId: caseItems },
      floats: {},
      labels: new Float32Array(caseUsers.length),
    });
    const top = topKMetrics(cases.map((_, k) => scores.subarray(k * 100, (k + 1) * 100)));
    const seconds = result.epochs.reduce((a, e) => a + e.seconds, 0);
    return {
      samplesPerSec: result.samples / seconds,
      hr10: top.hr[9],
      ndcg10: top.ndcg[9],
      losses: result.epochs.map((e) => e.loss),
    };
  };

  const rows: Array<{ name: string; samplesPerSec: number; hr10: number; ndcg10: number; losses: number[] }> =
    [];
  const wren1 = await runWren(1);
  rows.push({ name: "wren, 1 thread", ...wren1 });
  const wrenN = workers > 1 ? await runWren(workers) : undefined;
  if (wrenN) rows.push({ name: `wren, ${workers} workers (Hogwild)`, ...wrenN });

  let torch:
    | { samplesPerSec: number; hr10: number; ndcg10: number; losses: number[]; torch: string }
    | undefined;
  if (withTorch) {
    const td = join(dir, "torch");
    await mkdir(td);
    const bin = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    await writeFile(join(td, "train_users.i32"), bin(trainUsers));
    await writeFile(join(td, "train_items.i32"), bin(trainItems));
    await writeFile(join(td, "train_labels.f32"), bin(trainLabels));
    const caseRows = new Int32Array(cases.length * 101);
    cases.forEach((c, k) => {
      caseRows[k * 101] = c.userId;
      caseRows.set(c.candidates, k * 101 + 1);
    });
    await writeFile(join(td, "cases.i32"), bin(caseRows));
    await writeFile(
      join(td, "meta.json"),
      JSON.stringify({
        users: nUsers,
        movies: nMovies,
        negatives: NEGATIVES,
        batchSize: BATCH,
        lr: LR,
        epochs,
        seed: SEED,
        threads,
        caseWidth: 100,
      }),
    );
    try {
      const { stdout } = await promisify(execFile)(
        "/usr/bin/python3",
        [join(import.meta.dirname, "train_neumf_torch.py"), td],
        { maxBuffer: 1 << 20 },
      );
      torch = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
      if (torch) rows.push({ name: `pytorch ${torch.torch}, ${threads} threads`, ...torch });
    } catch (err) {
      console.log(
        `PyTorch reference failed (${(err as Error).message.split("\n")[0]}); install it with: apt-get install -y python3-torch`,
      );
    }
  }

  console.log("");
  console.log(
    [
      "model".padEnd(34),
      "samples/s".padStart(10),
      "HR@10".padStart(7),
      "NDCG@10".padStart(8),
      "  loss per epoch",
    ].join(" "),
  );
  for (const r of rows)
    console.log(
      [
        r.name.padEnd(34),
        Math.round(r.samplesPerSec).toString().padStart(10),
        r.hr10.toFixed(4).padStart(7),
        r.ndcg10.toFixed(4).padStart(8),
        `  ${r.losses.map((l) => l.toFixed(4)).join(" ")}`,
      ].join(" "),
    );
  if (torch) {
    console.log("");
    console.log(
      `speed ratio wren 1 thread / pytorch: ${(wren1.samplesPerSec / torch.samplesPerSec).toFixed(2)}×`,
    );
    if (wrenN)
      console.log(
        `speed ratio wren ${workers} workers / pytorch: ${(wrenN.samplesPerSec / torch.samplesPerSec).toFixed(2)}× (target ≥ 2.0×)`,
      );
    console.log(
      `HR@10 difference wren (1 thread) − pytorch: ${(wren1.hr10 - torch.hr10).toFixed(4)} (target |Δ| ≤ 0.01)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
