import type { ScoreBatch, Scorer } from "./scorer.js";

/**
 * The baseline every report carries: rank movies by how often they were rated in the training period.
 * For logloss and calibration its probability is σ(a + b·ln(1 + count)), a and b fitted by Newton's
 * method on the training labels with b ≥ MIN_SLOPE, so its order is always the popularity order even where
 * the data say popular movies are liked slightly less (the floor moves a logit by at most ~0.01).
 */
const MIN_SLOPE = 1e-3;

export class PopularityScorer implements Scorer {
  readonly name = "popularity";
  readonly features: readonly string[] = [];

  private constructor(
    private readonly counts: ReadonlyMap<number, number>,
    readonly intercept: number,
    readonly slope: number,
  ) {}

  /** Fits the baseline on training rows (movieId and label per row); `counts` from the same rows. */
  static fit(movieIds: ArrayLike<number>, labels: ArrayLike<number>): PopularityScorer {
    const counts = new Map<number, number>();
    for (let i = 0; i < movieIds.length; i++) counts.set(movieIds[i], (counts.get(movieIds[i]) ?? 0) + 1);
    // Aggregate rows by count: the fit is over a few hundred distinct x values, not every row.
    const groups = new Map<number, { n: number; pos: number }>();
    for (let i = 0; i < movieIds.length; i++) {
      const c = counts.get(movieIds[i]) ?? 0;
      let g = groups.get(c);
      if (!g) {
        g = { n: 0, pos: 0 };
        groups.set(c, g);
      }
      g.n++;
      g.pos += labels[i];
    }
    const xs = [...groups].map(([c, g]) => ({ x: Math.log1p(c), ...g }));
    const [a, b] = fitLogistic(xs);
    return new PopularityScorer(counts, a, b);
  }

  /** Training-period rating count of a movie (0 when unseen). */
  count(movieId: number): number {
    return this.counts.get(movieId) ?? 0;
  }

  score(batch: ScoreBatch): Float32Array {
    const out = new Float32Array(batch.size);
    for (let i = 0; i < batch.size; i++) {
      out[i] = 1 / (1 + Math.exp(-(this.intercept + this.slope * Math.log1p(this.count(batch.movieId[i])))));
    }
    return out;
  }
}

/** Two-parameter logistic regression on grouped data, b ≥ MIN_SLOPE (a refitted alone if b hits the floor). */
function fitLogistic(groups: Array<{ x: number; n: number; pos: number }>): [number, number] {
  const total = groups.reduce((s, g) => s + g.n, 0);
  const positives = groups.reduce((s, g) => s + g.pos, 0);
  const rate = total === 0 ? 0.5 : Math.min(1 - 1e-6, Math.max(1e-6, positives / total));
  const baseLogit = Math.log(rate / (1 - rate));
  const [a, b] = newton(groups, baseLogit, 0, true);
  if (Number.isFinite(a) && Number.isFinite(b) && b >= MIN_SLOPE) return [a, b];
  const [a1] = newton(groups, baseLogit, MIN_SLOPE, false);
  return [Number.isFinite(a1) ? a1 : baseLogit, MIN_SLOPE];
}

/** Newton's method on the log-likelihood; with `fitSlope` false only the intercept moves. */
function newton(
  groups: Array<{ x: number; n: number; pos: number }>,
  a0: number,
  b0: number,
  fitSlope: boolean,
): [number, number] {
  let a = a0;
  let b = b0;
  for (let iter = 0; iter < 50; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (const g of groups) {
      const p = 1 / (1 + Math.exp(-(a + b * g.x)));
      const r = g.pos - g.n * p;
      const w = g.n * p * (1 - p);
      ga += r;
      gb += r * g.x;
      haa += w;
      hab += w * g.x;
      hbb += w * g.x * g.x;
    }
    let da = ga / haa;
    let db = 0;
    if (fitSlope) {
      const det = haa * hbb - hab * hab;
      if (!(Math.abs(det) > 1e-12)) break;
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    }
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return [a, b];
}
