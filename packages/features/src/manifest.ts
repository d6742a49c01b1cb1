/** manifest.json of a features output directory. */
export interface FeaturesManifest {
  /** Output layout version, bumped when files or columns change. */
  formatVersion: 1;
  createdAt: string;
  input: {
    dir: string;
    format: string;
    /** File name → sha256 hex and size in bytes. */
    files: Record<string, { sha256: string; bytes: number }>;
  };
  counts: {
    ratings: number;
    users: number;
    movies: number;
    ratedMovies: number;
    trainingSamples: number;
    testSamples: number;
  };
  /** Share of label = 1 among all samples, in training and in test. */
  positiveRate: { all: number; training: number; test: number };
  /** Rating timestamps (seconds): whole data, and the first test timestamp. */
  timeRange: { min: number; max: number; testFrom: number };
  testFraction: number;
  positiveThreshold: number;
  /** Output files, relative to the output directory. */
  files: {
    trainingSamples: { parquet: string; csv: string };
    testSamples: { parquet: string; csv: string };
    movieFeatures: string;
    userFeatures: string;
    userHistory: string;
  };
  durationMs: number;
}
