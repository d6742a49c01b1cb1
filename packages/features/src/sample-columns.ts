// The feature names are defined once, with the Redis hashes that serve them online.
import { MOVIE_FEATURE_FIELDS, USER_FEATURE_FIELDS } from "@wren/feature-store/keys";

/**
 * Column names of trainingSamples / testSamples, in order, as in the reference (SparrowRecSys).
 * Every feature of a row is computed from ratings strictly before that row's timestamp.
 * Empty categorical values are "" (string columns) and missing numbers are 0, as the reference fills them.
 */
export const SAMPLE_COLUMNS = [
  "movieId",
  "userId",
  "rating",
  "timestamp",
  "label",
  ...MOVIE_FEATURE_FIELDS,
  ...USER_FEATURE_FIELDS,
] as const;

export type SampleColumn = (typeof SAMPLE_COLUMNS)[number];

/** The reference's 18 model features for embedding-mlp, wide-deep, deepfm and two-tower, in three groups
 *  by how a model encodes them: ids (embedding tables), genres (vocabulary ids) and numbers. */
export const ID_FEATURES = [
  "movieId",
  "userId",
  "userRatedMovie1",
] as const satisfies readonly SampleColumn[];
export const GENRE_FEATURES = [
  "userGenre1",
  "userGenre2",
  "userGenre3",
  "userGenre4",
  "userGenre5",
  "movieGenre1",
  "movieGenre2",
  "movieGenre3",
] as const satisfies readonly SampleColumn[];
export const NUMERIC_FEATURES = [
  "releaseYear",
  "movieRatingCount",
  "movieAvgRating",
  "movieRatingStddev",
  "userRatingCount",
  "userAvgRating",
  "userRatingStddev",
] as const satisfies readonly SampleColumn[];

export const RANKING_FEATURES = [...ID_FEATURES, ...GENRE_FEATURES, ...NUMERIC_FEATURES] as const;
export type RankingFeature = (typeof RANKING_FEATURES)[number];
