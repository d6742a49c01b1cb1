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
  "releaseYear",
  "movieGenre1",
  "movieGenre2",
  "movieGenre3",
  "movieRatingCount",
  "movieAvgRating",
  "movieRatingStddev",
  "userRatedMovie1",
  "userRatedMovie2",
  "userRatedMovie3",
  "userRatedMovie4",
  "userRatedMovie5",
  "userRatingCount",
  "userAvgReleaseYear",
  "userReleaseYearStddev",
  "userAvgRating",
  "userRatingStddev",
  "userGenre1",
  "userGenre2",
  "userGenre3",
  "userGenre4",
  "userGenre5",
] as const;

export type SampleColumn = (typeof SAMPLE_COLUMNS)[number];

/** The reference's 18 model features for embedding-mlp, wide-deep and deepfm. */
export const RANKING_FEATURES = [
  "movieId",
  "userId",
  "userRatedMovie1",
  "userGenre1",
  "userGenre2",
  "userGenre3",
  "userGenre4",
  "userGenre5",
  "movieGenre1",
  "movieGenre2",
  "movieGenre3",
  "releaseYear",
  "movieRatingCount",
  "movieAvgRating",
  "movieRatingStddev",
  "userRatingCount",
  "userAvgRating",
  "userRatingStddev",
] as const satisfies readonly SampleColumn[];
