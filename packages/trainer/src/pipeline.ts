import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { VersionDir } from "@wren/onnx";
import { type EvaluationResult, evaluate } from "./eval/evaluate.js";
import { leaveOneOut } from "./eval/leave-one-out.js";
import { BASE_COLUMNS, loadSamples } from "./eval/load-samples.js";
import type { FeatureColumn, SampleTable } from "./eval/scorer.js";
import { exportModel } from "./export.js";
import type { RatingEvent } from "./item2vec/sequences.js";
import { MODEL_KINDS, type Model, type ModelKind } from "./model.js";
import { ModelScorer } from "./model-scorer.js";
import { deepFmSpec } from "./models/deepfm.js";
import { embeddingMlpSpec } from "./models/embedding-mlp.js";
import { fitFeatureEncoding, RANKING_FEATURE_LIST } from "./models/features.js";
import { type NeuralCfSpec, neuralCfSpec } from "./models/neuralcf.js";
import { ITEM_TOWER_FEATURES, twoTowerSpec, USER_TOWER_FEATURES } from "./models/two-tower.js";
import { wideDeepSpec } from "./models/wide-deep.js";
import type { OptimizerConfig } from "./optimizer.js";
import { createModel, isModelKind } from "./registry.js";
import { Rng } from "./rng.js";
import { encodeTable } from "./samples.js";
import { implicitSource, labelledSource, type TrainingSource } from "./sources.js";
import { type EmbeddingTable, towerEmbeddings } from "./tower-embeddings.js";
import { type TrainProgress, type TrainResult, train } from "./training.js";

/** Sample columns each model kind reads besides the base columns. */
export function modelFeatures(kind: ModelKind): readonly string[] {
  if (kind === "neuralcf") return [];
  if (kind === "two-tower") return [...USER_TOWER_FEATURES, ...ITEM_TOWER_FEATURES];
  return RANKING_FEATURE_LIST;
}

export interface TrainModelOptions {
  epochs?: number;
  workers?: number;
  seed?: number;
  batchSize?: number;
  /** neuralcf: sampled negatives per positive (NCF: 4). */
  negatives?: number;
  optimizer?: OptimizerConfig;
  /**
   * A control experiment: destroy the signal before training — shuffle the labels (feature models) or
   * the movie of every interaction (neuralcf) — so the metrics show what the model gets without it.
   */
  shuffleControl?: boolean;
  /** Skip the evaluation (metrics) step. */
  skipEvaluation?: boolean;
  onTrainProgress?(p: TrainProgress): void;
  onEvalProgress?(done: number, total: number): void;
}

export interface TrainModelResult {
  model: Model;
  training: TrainResult;
  /** Training rows after removing each user's leave-one-out held-out positive. */
  trainingRows: number;
  evaluation?: EvaluationResult;
  /** The model's metrics (auc, prAuc, logloss, hr@10, ndcg@10) and the popularity baseline's. */
  metrics: Record<string, number>;
}

/**
 * Trains a model kind on time-split samples. Each user's latest positive (the NCF leave-one-out item)
 * is removed from the training rows so the top-K evaluation never ranks an item the model trained on;
 * `evaluate` applies the same split. Embedding tables cover every id in train and test.
 */
export async function trainOnTables(
  kind: string,
  tables: { train: SampleTable; test: SampleTable },
  opts: TrainModelOptions = {},
): Promise<TrainModelResult> {
  if (!isModelKind(kind)) throw new Error(`unknown model "${kind}"; valid models: ${MODEL_KINDS.join(", ")}`);
  const { train: trainAll, test } = tables;
  if (trainAll.size === 0) throw new Error("training samples are empty");
  if (test.size === 0) throw new Error("test samples are empty");
  const split = leaveOneOut([...ratingEvents(trainAll), ...ratingEvents(test)]);
  const users = intColumn(trainAll, "userId");
  const movies = intColumn(trainAll, "movieId");
  const keep: number[] = [];
  for (let i = 0; i < trainAll.size; i++) if (!split.isHeldOut(users[i], movies[i])) keep.push(i);
  const trainKept = selectRows(trainAll, keep);
  const seed = opts.seed ?? 42;
  if (opts.shuffleControl) shuffleSignal(trainKept, kind, seed);

  const model = createModel(buildSpec(kind, trainKept, trainAll, test));
  let source: TrainingSource;
  if (kind === "neuralcf") {
    const data = encodeTable(model, trainKept, "training samples");
    source = implicitSource(
      data.ints.userId,
      data.ints.movieId,
      data.labels,
      (model.spec as NeuralCfSpec).users,
      opts.negatives ?? 4,
    );
  } else {
    source = labelledSource(encodeTable(model, trainKept, "training samples"));
  }
  const training = await train(model, source, {
    epochs: opts.epochs ?? 5,
    workers: opts.workers,
    seed,
    batchSize: opts.batchSize,
    optimizer: opts.optimizer,
    onProgress: opts.onTrainProgress,
  });
  const result: TrainModelResult = { model, training, trainingRows: trainKept.size, metrics: {} };
  if (!opts.skipEvaluation) {
    result.evaluation = await evaluate({ train: trainAll, test }, [new ModelScorer(model)], {
      seed,
      onProgress: opts.onEvalProgress,
    });
    for (const r of result.evaluation.results) {
      const prefix = r.name === model.kind ? "" : `${r.name}.`;
      result.metrics[`${prefix}auc`] = r.auc;
      result.metrics[`${prefix}prAuc`] = r.prAuc;
      result.metrics[`${prefix}logloss`] = r.logloss;
      result.metrics[`${prefix}hr@10`] = r.hr[9];
      result.metrics[`${prefix}ndcg@10`] = r.ndcg[9];
    }
  }
  return result;
}

export interface TrainFromSamplesOptions extends TrainModelOptions {
  /** A features output directory (trainingSamples / testSamples + manifest.json). */
  samplesDir: string;
  /** Where to export; no export when undefined. */
  modelsRoot?: string;
  /** Export name under modelsRoot (default: the model kind). */
  name?: string;
}

/**
 * Loads samples, trains, evaluates and (with modelsRoot) exports the next model version. An exported
 * two-tower model also gives its user and item vectors (`towers`), for recall's `tt-user` / `tt-item` spaces.
 */
export async function trainFromSamples(
  kind: string,
  opts: TrainFromSamplesOptions,
): Promise<
  TrainModelResult & {
    exported?: VersionDir;
    files: { train: string; test: string };
    towers?: { users: EmbeddingTable; items: EmbeddingTable };
  }
> {
  if (!isModelKind(kind)) throw new Error(`unknown model "${kind}"; valid models: ${MODEL_KINDS.join(", ")}`);
  const {
    train: trainTable,
    test,
    files,
  } = await loadSamples(opts.samplesDir, [...BASE_COLUMNS, ...modelFeatures(kind)]);
  const result = await trainOnTables(kind, { train: trainTable, test }, opts);
  if (!opts.modelsRoot) return { ...result, files };
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(join(opts.samplesDir, "manifest.json"), "utf8"));
  } catch {
    manifest = undefined;
  }
  const exported = await exportModel(result.model, {
    modelsRoot: opts.modelsRoot,
    name: opts.name,
    metrics: result.metrics,
    trainingData: { files, manifest, trainingRows: result.trainingRows },
    params: {
      epochs: result.training.epochs.length,
      seed: opts.seed ?? 42,
      batchSize: opts.batchSize ?? 256,
      ...(kind === "neuralcf" ? { negatives: opts.negatives ?? 4 } : {}),
      optimizer: opts.optimizer ?? "adam lr 1e-3",
      lossPerEpoch: result.training.epochs.map((e) => e.loss),
    },
  });
  if (kind !== "two-tower") return { ...result, exported, files };
  return { ...result, exported, files, towers: towerEmbeddings(result.model, [trainTable, test]) };
}

function buildSpec(kind: ModelKind, trainKept: SampleTable, trainAll: SampleTable, test: SampleTable) {
  if (kind === "neuralcf") {
    const max = (t: SampleTable, c: string) => intColumn(t, c).reduce((a, b) => Math.max(a, b), 0);
    return neuralCfSpec(
      Math.max(max(trainAll, "userId"), max(test, "userId")) + 1,
      Math.max(max(trainAll, "movieId"), max(test, "movieId")) + 1,
    );
  }
  const enc = fitFeatureEncoding(trainKept, trainAll, test);
  if (kind === "embedding-mlp") return embeddingMlpSpec(enc);
  if (kind === "wide-deep") return wideDeepSpec(enc);
  if (kind === "deepfm") return deepFmSpec(enc);
  return twoTowerSpec(enc);
}

function intColumn(t: SampleTable, name: string): Int32Array {
  const c = t.columns.get(name);
  if (!(c instanceof Int32Array)) throw new Error(`samples column "${name}" is missing or not integer`);
  return c;
}

function* ratingEvents(t: SampleTable): Generator<RatingEvent> {
  const u = intColumn(t, "userId");
  const m = intColumn(t, "movieId");
  const r = t.columns.get("rating") as ArrayLike<number>;
  const ts = t.columns.get("timestamp") as ArrayLike<number>;
  if (!r || !ts) throw new Error('samples need "rating" and "timestamp" columns');
  for (let i = 0; i < t.size; i++) yield { userId: u[i], movieId: m[i], rating: r[i], timestamp: ts[i] };
}

function selectRows(t: SampleTable, rows: number[]): SampleTable {
  const columns = new Map<string, FeatureColumn>();
  for (const [name, col] of t.columns) {
    if (Array.isArray(col))
      columns.set(
        name,
        rows.map((i) => col[i]),
      );
    else {
      const src = col as Int32Array | Float32Array | Float64Array;
      const Ctor = src.constructor as new (n: number) => typeof src;
      const out = new Ctor(rows.length);
      for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]];
      columns.set(name, out);
    }
  }
  return { size: rows.length, columns };
}

function shuffleSignal(t: SampleTable, kind: ModelKind, seed: number): void {
  new Rng(seed ^ 0x2545f491).shuffle(intColumn(t, kind === "neuralcf" ? "movieId" : "label"));
}
