import { join, resolve } from "node:path";
import { listVersions } from "@wren/onnx";
import { type EvaluationResult, evaluate } from "./evaluate.js";
import { BASE_COLUMNS, loadSamples } from "./load-samples.js";
import { OnnxScorer } from "./onnx-scorer.js";
import { type ReportSubject, writeReport } from "./report.js";

export interface EvaluateModelOptions {
  model: string;
  /** Default: the highest version on disk, as the model server would serve. */
  version?: number;
  modelsRoot: string;
  /** Features directory holding trainingSamples / testSamples. */
  data: string;
  /** Where evaluation.json and report.html go; default the model version directory. */
  out?: string;
  seed?: number;
  negatives?: number;
  onProgress?: (done: number, total: number) => void;
}

/** `wren evaluate` without the terminal: exported model vs popularity, report files written. */
export async function evaluateModelVersion(
  opts: EvaluateModelOptions,
): Promise<{ result: EvaluationResult; subject: ReportSubject; files: { json: string; html: string } }> {
  const base = join(resolve(opts.modelsRoot), opts.model);
  const versions = await listVersions(base);
  if (versions.length === 0)
    throw new Error(`${base}: no version directories (train and export "${opts.model}" first)`);
  const chosen =
    opts.version === undefined ? versions.at(-1) : versions.find((v) => v.version === opts.version);
  if (!chosen)
    throw new Error(
      `${base}: no version ${opts.version} (have ${versions.map((v) => v.version).join(", ")})`,
    );
  const scorer = await OnnxScorer.load(chosen.dir);
  try {
    const { train, test } = await loadSamples(resolve(opts.data), [
      ...new Set([...BASE_COLUMNS, ...scorer.features]),
    ]);
    const result = await evaluate({ train, test }, [scorer], {
      seed: opts.seed,
      negatives: opts.negatives,
      onProgress: opts.onProgress,
    });
    const subject: ReportSubject = {
      model: opts.model,
      version: chosen.version,
      modelDir: chosen.dir,
      dataDir: resolve(opts.data),
    };
    const files = await writeReport(opts.out ?? chosen.dir, subject, result);
    return { result, subject, files };
  } finally {
    await scorer.close();
  }
}
