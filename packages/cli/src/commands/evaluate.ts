import { EVALUATION_FILE, evaluateModelVersion, headline } from "@wren/trainer/eval";
import type { Command } from "commander";
import { nonNegativeInt, positiveInt } from "../options.js";
import { DEFAULT_FEATURES_DIR } from "../pipeline/run-pipeline.js";
import { printTable, progressBar } from "../progress.js";

export function registerEvaluateCommand(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate an exported model against the popularity baseline: AUC, PR-AUC, logloss on the time-split test " +
        "samples; HR@K and NDCG@K (K = 1..20) with each user's latest positive ranked among 99 sampled unrated " +
        `movies. Prints a table and writes ${EVALUATION_FILE} and report.html`,
    )
    .requiredOption("--model <name>", "model name (directory under --models-root), e.g. neuralcf")
    .option("--version <n>", "model version (default: the highest)", positiveInt)
    .option("--models-root <dir>", "root of the exported models", "models")
    .option(
      "--data <dir>",
      "features directory with trainingSamples and testSamples (wren pipeline --out)",
      DEFAULT_FEATURES_DIR,
    )
    .option("--out <dir>", "where to write the report (default: the model version directory)")
    .option("--negatives <n>", "sampled negatives per held-out positive", positiveInt, 99)
    .option("--seed <n>", "seed of the negative sampling", nonNegativeInt, 1)
    .option("--json", "print the results as JSON instead of a table")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const started = Date.now();
      let bar: ReturnType<typeof progressBar> | undefined;
      const { result, subject, files } = await evaluateModelVersion({
        model: opts.model,
        version: opts.version,
        modelsRoot: opts.modelsRoot,
        data: opts.data,
        out: opts.out,
        seed: opts.seed,
        negatives: opts.negatives,
        onProgress: (done, total) => {
          bar ??= progressBar("scoring rows", total, { quiet: opts.quiet || opts.json });
          bar.update(done);
        },
      }).finally(() => bar?.stop());
      if (opts.json) {
        console.log(JSON.stringify({ subject, files, ...result }, null, 2));
        return;
      }
      printTable(result.results.map((r) => ({ scorer: r.name, ...headline(r) })));
      const p = result.protocol;
      console.log(
        `\n${p.testRows} test samples; top-K over ${p.topKUsers} users (${p.topKSkipped} skipped), ` +
          `${p.negatives} negatives each; ${((Date.now() - started) / 1000).toFixed(1)}s`,
      );
      console.log(`wrote ${files.json} and ${files.html}`);
    });
}
