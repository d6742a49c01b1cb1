export {
  type EvaluateOptions,
  type EvaluationInput,
  type EvaluationResult,
  evaluate,
  type ScorerEvaluation,
} from "./evaluate.js";
export { type HeldOut, type LeaveOneOutSplit, leaveOneOut } from "./leave-one-out.js";
export { auc, averagePrecision, logloss, type RocPoint, rocCurve } from "./metrics.js";
export { PopularityScorer } from "./popularity.js";
export {
  type FeatureColumn,
  type SampleTable,
  type ScoreBatch,
  type Scorer,
  scoreTable,
  sliceBatch,
} from "./scorer.js";
export { K_MAX, sampleTopKCases, type TopKCase, type TopKMetrics, topKMetrics } from "./topk.js";
