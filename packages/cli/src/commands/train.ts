import { writeEmbeddingFile } from "@wren/feature-store";
import { isModelKind, MODEL_KINDS, trainFromSamples } from "@wren/trainer";
import { type Command, InvalidArgumentError } from "commander";
import { nonNegativeInt, positiveInt, positiveNumber } from "../options.js";
import { DEFAULT_FEATURES_DIR } from "../pipeline/run-pipeline.js";
import { printTable, progressBar } from "../progress.js";

function modelName(value: string): string {
  if (!isModelKind(value))
    throw new InvalidArgumentError(`unknown model "${value}"; valid models: ${MODEL_KINDS.join(", ")}`);
  return value;
}

export function registerTrainCommands(program: Command): void {
  program
    .command("train")
    .description(
      "Train a ranking model on the feature pipeline's samples, evaluate it against the popularity baseline and export the next version to <models-root>/<name>/<version>/",
    )
    .requiredOption("--model <name>", `model to train: ${MODEL_KINDS.join(", ")}`, modelName)
    .option(
      "--data <dir>",
      "features directory with trainingSamples/testSamples (from `wren features`)",
      DEFAULT_FEATURES_DIR,
    )
    .option("--samples <dir>", "same as --data")
    .option("--epochs <n>", "passes over the training data", positiveInt, 5)
    .option("--batch-size <n>", "mini-batch size", positiveInt, 256)
    .option("--lr <rate>", "Adam learning rate", positiveNumber, 1e-3)
    .option("--negatives <n>", "neuralcf: sampled negatives per positive", nonNegativeInt, 4)
    .option(
      "--workers <n>",
      "training threads (1 = deterministic for a seed; more = Hogwild, faster)",
      positiveInt,
      1,
    )
    .option(
      "--seed <n>",
      "random seed (initial weights, shuffles, negatives, evaluation sampling)",
      nonNegativeInt,
      42,
    )
    .option("--models-root <dir>", "root of the exported model directories", "models")
    .option("--name <name>", "model directory name under --models-root (default: the model name)")
    .option("--no-export", "train and evaluate only")
    .option("--json", "print the result as JSON on stdout (progress stays on stderr)")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const samplesDir: string = opts.samples ?? opts.data;
      const quiet = Boolean(opts.quiet);
      let bar: ReturnType<typeof progressBar> | undefined;
      let evalBar: ReturnType<typeof progressBar> | undefined;
      const result = await trainFromSamples(opts.model, {
        samplesDir,
        modelsRoot: opts.export ? opts.modelsRoot : undefined,
        name: opts.name,
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        negatives: opts.negatives,
        workers: opts.workers,
        seed: opts.seed,
        optimizer: { kind: "adam", lr: opts.lr, beta1: 0.9, beta2: 0.999, eps: 1e-7 },
        onTrainProgress(p) {
          bar ??= progressBar(`training ${opts.model}`, p.total, { quiet });
          bar.update(p.done, {
            epoch: `${p.epoch}/${p.epochs}`,
            "samples/s": Math.round(p.samplesPerSec),
            loss: Number.isFinite(p.loss) ? p.loss : "…",
          });
        },
        onEvalProgress(done, total) {
          if (bar) {
            bar.stop();
            bar = undefined;
          }
          evalBar ??= progressBar("evaluating", total, { quiet });
          evalBar.update(done);
        },
      });
      bar?.stop();
      evalBar?.stop();
      // Recall's two-tower channel serves these once loaded; the features directory is where
      // `wren features load` (and the next `wren pipeline` load) collects every embedding space.
      const towers = result.towers;
      if (towers) {
        await writeEmbeddingFile(samplesDir, "tt-user", towers.users);
        await writeEmbeddingFile(samplesDir, "tt-item", towers.items);
      }
      const t = result.training;
      const summary = {
        model: opts.model,
        samplesDir,
        trainingRows: result.trainingRows,
        training: {
          epochs: t.epochs,
          samples: t.samples,
          seconds: t.seconds,
          samplesPerSec: t.samplesPerSec,
          workers: t.workers,
        },
        metrics: result.metrics,
        exported: result.exported ?? null,
        embeddings: towers
          ? { dir: samplesDir, users: towers.users.ids.length, items: towers.items.ids.length }
          : null,
      };
      if (opts.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      console.log(
        `trained ${opts.model} on ${result.trainingRows} rows: ${t.epochs.length} epochs, ${Math.round(t.samplesPerSec)} samples/s (${t.workers} worker${t.workers > 1 ? "s" : ""}), final loss ${t.epochs.at(-1)?.loss.toFixed(4)}`,
      );
      const rows = (result.evaluation?.results ?? []).map((r) => ({
        scorer: r.name,
        auc: r.auc,
        "pr-auc": r.prAuc,
        logloss: r.logloss,
        "hr@10": r.hr[9],
        "ndcg@10": r.ndcg[9],
      }));
      printTable(rows);
      if (result.exported) console.log(`exported ${result.exported.dir}`);
      if (towers)
        console.log(
          `wrote two-tower embeddings (tt-user ${towers.users.ids.length}, tt-item ${towers.items.ids.length}) to ${samplesDir}/embeddings; ` +
            `\`wren features load --features ${samplesDir}\` makes them live for recall`,
        );
    });
}
