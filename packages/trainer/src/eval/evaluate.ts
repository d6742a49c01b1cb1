import type { RatingEvent } from "../item2vec/sequences.js";
import { leaveOneOut } from "./leave-one-out.js";
import { auc, averagePrecision, logloss, type RocPoint, rocCurve } from "./metrics.js";
import { PopularityScorer } from "./popularity.js";
import {
  type FeatureColumn,
  numericColumn,
  requireColumn,
  type SampleTable,
  type Scorer,
  scoreTable,
} from "./scorer.js";
import { K_MAX, sampleTopKCases, type TopKCase, topKMetrics } from "./topk.js";

export interface EvaluationInput {
  /** Training-period samples (columns of SAMPLE_COLUMNS; at least userId, movieId, rating, timestamp, label). */
  train: SampleTable;
  /** Time-split test samples. */
  test: SampleTable;
  /** Every rating of every user, both periods; defaults to the rows of `train` and `test`. */
  ratings?: Iterable<RatingEvent>;
}

export interface EvaluateOptions {
  /** Seed of the top-K negative sampling. */
  seed?: number;
  /** Sampled non-interacted movies per held-out positive (NCF: 99). */
  negatives?: number;
  batchSize?: number;
  /** Called as rows are scored, with (rows done, rows total) over every scorer. */
  onProgress?: (done: number, total: number) => void;
}

export interface ScorerEvaluation {
  name: string;
  auc: number;
  prAuc: number;
  logloss: number;
  /** hr[k - 1] = HR@k, k = 1..20. */
  hr: number[];
  ndcg: number[];
  roc: RocPoint[];
}

export interface EvaluationResult {
  protocol: {
    testRows: number;
    testPositives: number;
    /** Users with a held-out positive ranked against sampled negatives. */
    topKUsers: number;
    /** Held-out users left out: too few non-interacted movies, or no sample row to build features from. */
    topKSkipped: number;
    negatives: number;
    seed: number;
    kMax: number;
    /** Training rows of held-out positives, excluded from the popularity counts as from training. */
    heldOutTrainingRows: number;
  };
  /** The given scorers in order, then the popularity baseline. */
  results: ScorerEvaluation[];
}

/**
 * Evaluates scorers on the time-split test samples (AUC, PR-AUC, logloss) and under the NCF top-K protocol
 * (each user's latest positive ranked among `negatives` sampled movies the user never rated: HR@K, NDCG@K),
 * with the popularity baseline fitted on the training period always evaluated alongside.
 */
export async function evaluate(
  input: EvaluationInput,
  scorers: readonly Scorer[],
  opts: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const seed = opts.seed ?? 1;
  const negatives = opts.negatives ?? 99;
  const { train, test } = input;
  for (const [table, what] of [
    [train, "training samples"],
    [test, "test samples"],
  ] as const) {
    if (table.size === 0) throw new Error(`${what} are empty`);
    for (const c of ["userId", "movieId", "label"]) numericColumn(table, c, what);
  }
  const ratings = input.ratings ?? [
    ...ratingEvents(train, "training samples"),
    ...ratingEvents(test, "test samples"),
  ];
  const split = leaveOneOut(ratings);
  const interacted = new Map<number, Set<number>>();
  for (const r of ratings) {
    let s = interacted.get(r.userId);
    if (!s) {
      s = new Set();
      interacted.set(r.userId, s);
    }
    s.add(r.movieId);
  }

  // The training period as a model trained with the split saw it: held-out positives removed.
  const trainUsers = numericColumn(train, "userId", "training samples");
  const trainMovies = numericColumn(train, "movieId", "training samples");
  const trainLabels = numericColumn(train, "label", "training samples");
  const keptMovies: number[] = [];
  const keptLabels: number[] = [];
  for (let i = 0; i < train.size; i++) {
    if (split.isHeldOut(trainUsers[i], trainMovies[i])) continue;
    keptMovies.push(trainMovies[i]);
    keptLabels.push(trainLabels[i]);
  }
  const popularity = PopularityScorer.fit(keptMovies, keptLabels);
  const catalogue = Int32Array.from(new Set(keptMovies)).sort();
  const all = [...scorers, popularity];

  const needed = new Set(all.flatMap((s) => s.features));
  let { cases, skipped } = sampleTopKCases(split.heldOut.values(), interacted, catalogue, {
    negatives,
    seed,
  });
  const candidates = candidateTable(cases, train, test, needed);
  cases = candidates.cases;
  skipped += candidates.dropped;

  const testLabels = numericColumn(test, "label", "test samples");
  const total = all.length * (test.size + candidates.table.size);
  let done = 0;
  const onBatch = (rows: number) => {
    done += rows;
    opts.onProgress?.(done, total);
  };
  const results: ScorerEvaluation[] = [];
  for (const scorer of all) {
    const testScores = await scoreTable(scorer, test, { batchSize: opts.batchSize, onBatch });
    const candScores = await scoreTable(scorer, candidates.table, { batchSize: opts.batchSize, onBatch });
    const width = negatives + 1;
    const perCase = cases.map((_, i) => candScores.subarray(i * width, (i + 1) * width));
    const top = topKMetrics(perCase);
    results.push({
      name: scorer.name,
      auc: auc(testLabels, testScores),
      prAuc: averagePrecision(testLabels, testScores),
      logloss: logloss(testLabels, testScores),
      hr: top.hr,
      ndcg: top.ndcg,
      roc: rocCurve(testLabels, testScores),
    });
  }
  let testPositives = 0;
  for (let i = 0; i < test.size; i++) testPositives += testLabels[i];
  return {
    protocol: {
      testRows: test.size,
      testPositives,
      topKUsers: cases.length,
      topKSkipped: skipped,
      negatives,
      seed,
      kMax: K_MAX,
      heldOutTrainingRows: train.size - keptMovies.length,
    },
    results,
  };
}

/** The rating events of a sample table (one sample per rating), e.g. to feed `leaveOneOut`. */
export function* ratingEvents(table: SampleTable, what = "samples"): Generator<RatingEvent> {
  const u = numericColumn(table, "userId", what);
  const m = numericColumn(table, "movieId", what);
  const r = numericColumn(table, "rating", what);
  const t = numericColumn(table, "timestamp", what);
  for (let i = 0; i < table.size; i++) yield { userId: u[i], movieId: m[i], rating: r[i], timestamp: t[i] };
}

/** Whether a sample column describes the movie (taken from the movie's row) or the user (from the context). */
function columnOwner(name: string): "movie" | "user" {
  if (name === "releaseYear" || (name.startsWith("movie") && name !== "movieId")) return "movie";
  if (name.startsWith("user") && name !== "userId") return "user";
  throw new Error(
    `feature "${name}" is neither a user nor a movie feature; top-K candidates cannot carry it`,
  );
}

/**
 * The rows to score for the top-K cases: userId, movieId and every needed feature. User features come from
 * the sample row of the held-out rating (features as of just before it: the moment we would recommend);
 * movie features from the movie's latest training row (or its first test row), the same source for the
 * positive and its negatives so that no feature tells them apart. Cases missing either row are dropped.
 */
function candidateTable(
  cases: TopKCase[],
  train: SampleTable,
  test: SampleTable,
  needed: ReadonlySet<string>,
): { table: SampleTable; cases: TopKCase[]; dropped: number } {
  const width = cases[0]?.candidates.length ?? 0;
  const features = [...needed].filter((f) => f !== "userId" && f !== "movieId");
  const owners = new Map(features.map((f) => [f, columnOwner(f)]));
  let kept = cases;
  // Row references: (table, row) packed as row for train and -(row + 1) for test.
  let contextRows = new Int32Array(0);
  const movieRows = new Map<number, number>();
  if (features.length > 0) {
    const context = new Map<number, number>();
    const wanted = new Map(cases.map((c) => [c.userId, c.candidates[0]]));
    const latestTrain = new Map<number, { t: number; ref: number }>();
    const firstTest = new Map<number, { t: number; ref: number }>();
    const scan = (table: SampleTable, what: string, isTrain: boolean) => {
      const u = numericColumn(table, "userId", what);
      const m = numericColumn(table, "movieId", what);
      const t = numericColumn(table, "timestamp", what);
      for (let i = 0; i < table.size; i++) {
        const ref = isTrain ? i : -(i + 1);
        if (wanted.get(u[i]) === m[i]) context.set(u[i], ref);
        if (isTrain) {
          const prev = latestTrain.get(m[i]);
          if (!prev || t[i] > prev.t) latestTrain.set(m[i], { t: t[i], ref });
        } else if (!latestTrain.has(m[i])) {
          const prev = firstTest.get(m[i]);
          if (!prev || t[i] < prev.t) firstTest.set(m[i], { t: t[i], ref });
        }
      }
    };
    scan(train, "training samples", true);
    scan(test, "test samples", false);
    for (const [movie, { ref }] of [...latestTrain, ...firstTest]) movieRows.set(movie, ref);
    kept = cases.filter((c) => context.has(c.userId) && c.candidates.every((m) => movieRows.has(m)));
    contextRows = Int32Array.from(kept, (c) => context.get(c.userId) ?? 0);
  }

  const size = kept.length * width;
  const userId = new Int32Array(size);
  const movieId = new Int32Array(size);
  kept.forEach((c, i) => {
    userId.fill(c.userId, i * width, (i + 1) * width);
    movieId.set(c.candidates, i * width);
  });
  const columns = new Map<string, FeatureColumn>([
    ["userId", userId],
    ["movieId", movieId],
  ]);
  for (const f of features) {
    const trainCol = requireColumn(train, f, "training samples");
    const testCol = requireColumn(test, f, "test samples");
    const refs = new Int32Array(size);
    for (let r = 0; r < size; r++) {
      refs[r] =
        owners.get(f) === "user" ? contextRows[Math.floor(r / width)] : (movieRows.get(movieId[r]) ?? 0);
    }
    columns.set(f, gather(trainCol, testCol, refs));
  }
  return { table: { size, columns }, cases: kept, dropped: cases.length - kept.length };
}

/** Values at packed row references: r ≥ 0 is training row r, r < 0 is test row −r − 1. */
function gather(trainCol: FeatureColumn, testCol: FeatureColumn, refs: Int32Array): FeatureColumn {
  const at = (r: number) => (r >= 0 ? trainCol[r] : testCol[-r - 1]);
  if (Array.isArray(trainCol)) return Array.from(refs, (r) => String(at(r)));
  const out =
    trainCol instanceof Int32Array && testCol instanceof Int32Array
      ? new Int32Array(refs.length)
      : new Float64Array(refs.length);
  for (let i = 0; i < refs.length; i++) out[i] = at(refs[i]) as number;
  return out;
}
