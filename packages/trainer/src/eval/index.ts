export {
  type EvaluateOptions,
  type EvaluationInput,
  type EvaluationResult,
  evaluate,
  ratingEvents,
  type ScorerEvaluation,
} from "./evaluate.js";
export { type EvaluateModelOptions, evaluateModelVersion } from "./evaluate-model.js";
export { type HeldOut, type LeaveOneOutSplit, leaveOneOut } from "./leave-one-out.js";
export { BASE_COLUMNS, loadSamples } from "./load-samples.js";
export { auc, averagePrecision, logloss, type RocPoint, rocCurve } from "./metrics.js";
export { OnnxScorer } from "./onnx-scorer.js";
export { PopularityScorer } from "./popularity.js";
export {
  EVALUATION_FILE,
  type EvaluationFile,
  escapeHtml,
  headline,
  REPORT_FILE,
  type ReportSubject,
  renderHtml,
  writeReport,
} from "./report.js";
export {
  type FeatureColumn,
  type SampleTable,
  type ScoreBatch,
  type Scorer,
  scoreTable,
  sliceBatch,
} from "./scorer.js";
export { K_MAX, sampleTopKCases, type TopKCase, type TopKMetrics, topKMetrics } from "./topk.js";
