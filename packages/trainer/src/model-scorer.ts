import type { ScoreBatch, Scorer } from "./eval/scorer.js";
import type { Model } from "./model.js";
import { predict } from "./predict.js";
import { encodeColumns } from "./samples.js";

/** The evaluation's Scorer over an in-memory model: sample columns in, probabilities out. */
export class ModelScorer implements Scorer {
  readonly name: string;
  readonly features: readonly string[];

  constructor(readonly model: Model) {
    this.name = model.kind;
    this.features = model
      .inputs()
      .map((i) => i.name)
      .filter((n) => n !== "userId" && n !== "movieId");
  }

  score(batch: ScoreBatch): Float32Array {
    const data = encodeColumns(
      this.model,
      batch.size,
      (name) => (name === "userId" ? batch.userId : name === "movieId" ? batch.movieId : batch.column(name)),
      undefined,
      "rows to score",
    );
    return predict(this.model, data);
  }
}
