import { GENRE_FEATURES, ID_FEATURES, NUMERIC_FEATURES, RANKING_FEATURES } from "@wren/features";
import type { SampleTable } from "../eval/scorer.js";
import { Embedding, type Layer, Numeric } from "../layers.js";
import type { InputSpec } from "../model.js";
import type { ParamSpec, ParamStore } from "../params.js";

/**
 * How the reference's 18 features enter the embedding-mlp, wide-deep, deepfm and two-tower models.
 *
 * - Ids (`movieId`, `userId`, `userRatedMovie1`) are int32 inputs indexing embedding tables directly;
 *   the signature's `range` is the table bounds (0 = "none" for userRatedMovie1).
 * - Genres (`userGenre1..5`, `movieGenre1..3`) are int32 inputs: the index of the genre in
 *   signature.json `vocabularies[<feature>]`, where index 0 is "" (no genre, or one unseen in training).
 *   We map strings to ids outside the graph because our ONNX graphs stay within the core opset
 *   (string → id lookups need the ai.onnx.ml domain); clients map through the vocabulary.
 * - Numbers (`releaseYear`, rating counts, averages, std devs) are float inputs, standardised inside the
 *   graph with the training set's mean and std (stored as graph constants).
 */
export { GENRE_FEATURES, ID_FEATURES, NUMERIC_FEATURES };

export interface FeatureEncoding {
  /** Table rows: valid movie ids are 0..movies-1, user ids 0..users-1. */
  movies: number;
  users: number;
  /** Genre vocabulary; index 0 is "" (none / unknown). */
  genres: string[];
  /** Training-set statistics of the numeric features, by name. */
  numeric: Record<string, { mean: number; std: number }>;
}

/** Fits table sizes (over every table given, so test ids are in range), vocabulary and numeric stats (first table). */
export function fitFeatureEncoding(train: SampleTable, ...others: SampleTable[]): FeatureEncoding {
  let movies = 0;
  let users = 0;
  const genres = new Set<string>();
  for (const t of [train, ...others]) {
    for (const c of ["movieId", "userRatedMovie1", "userRatedMovie2", "userRatedMovie3"]) {
      const col = t.columns.get(c);
      if (col) for (let i = 0; i < t.size; i++) movies = Math.max(movies, Number(col[i]) + 1);
    }
    const u = t.columns.get("userId");
    if (u) for (let i = 0; i < t.size; i++) users = Math.max(users, Number(u[i]) + 1);
    for (const g of GENRE_FEATURES) {
      const col = t.columns.get(g);
      if (col && t === train) for (let i = 0; i < t.size; i++) if (col[i] !== "") genres.add(String(col[i]));
    }
  }
  const numeric: FeatureEncoding["numeric"] = {};
  for (const f of NUMERIC_FEATURES) {
    const col = train.columns.get(f);
    if (!col) continue;
    let s = 0;
    for (let i = 0; i < train.size; i++) s += Number(col[i]);
    const mean = train.size ? s / train.size : 0;
    let v = 0;
    for (let i = 0; i < train.size; i++) v += (Number(col[i]) - mean) ** 2;
    const std = train.size ? Math.sqrt(v / train.size) : 0;
    numeric[f] = { mean, std: std > 1e-6 ? std : 1 };
  }
  return { movies, users, genres: ["", ...[...genres].sort()], numeric };
}

/** Input specs for a subset of the 18 features. */
export function featureInputs(enc: FeatureEncoding, features: readonly string[]): InputSpec[] {
  return features.map((name): InputSpec => {
    if (name === "userId") return { name, dtype: "int32", range: { min: 0, max: enc.users - 1 }, doc: "user id" };
    if (name === "movieId" || name === "userRatedMovie1")
      return {
        name,
        dtype: "int32",
        range: { min: 0, max: enc.movies - 1 },
        doc: name === "movieId" ? "movie id" : "the user's latest positively rated movie before this one (0: none)",
      };
    if ((GENRE_FEATURES as readonly string[]).includes(name))
      return {
        name,
        dtype: "int32",
        range: { min: 0, max: enc.genres.length - 1 },
        doc: `index into vocabularies.${name} (0: none or unknown)`,
      };
    if ((NUMERIC_FEATURES as readonly string[]).includes(name))
      return { name, dtype: "float32", doc: "raw value; standardised inside the graph" };
    throw new Error(`unknown feature ${name}`);
  });
}

export function genreVocabularies(enc: FeatureEncoding, features: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    features.filter((f) => (GENRE_FEATURES as readonly string[]).includes(f)).map((f) => [f, enc.genres]),
  );
}

function tableRows(enc: FeatureEncoding, feature: string): number {
  if (feature === "userId") return enc.users;
  if (feature === "movieId" || feature === "userRatedMovie1") return enc.movies;
  return enc.genres.length;
}

const isCategorical = (f: string) => !(NUMERIC_FEATURES as readonly string[]).includes(f);

/** One embedding table of width `dim` per categorical feature, named `<prefix>.<feature>`. */
export function embeddingParams(enc: FeatureEncoding, features: readonly string[], dim: number, prefix: string): ParamSpec[] {
  return features.filter(isCategorical).map((f) => ({
    name: `${prefix}.${f}`,
    shape: [tableRows(enc, f), dim],
    sparse: true,
    init: { kind: "normal", std: 0.05 },
  }));
}

export function embeddingLayers(store: ParamStore, features: readonly string[], prefix: string, maxBatch: number): Embedding[] {
  return features.filter(isCategorical).map((f) => new Embedding(store, `${prefix}.${f}`, f, maxBatch));
}

/** The standardised numeric features among `features`, or undefined when there are none. */
export function numericLayer(enc: FeatureEncoding, features: readonly string[], maxBatch: number): Layer | undefined {
  const cols = features.filter((f) => !isCategorical(f));
  if (cols.length === 0) return undefined;
  const stat = (f: string) => enc.numeric[f] ?? { mean: 0, std: 1 };
  return new Numeric(
    cols,
    Float32Array.from(cols, (f) => stat(f).mean),
    Float32Array.from(cols, (f) => stat(f).std),
    maxBatch,
  );
}

export const RANKING_FEATURE_LIST: readonly string[] = RANKING_FEATURES;
