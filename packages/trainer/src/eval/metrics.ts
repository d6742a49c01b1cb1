/**
 * Classification metrics over (label, score) pairs. Labels are 0/1; scores any real numbers (probabilities
 * for logloss). Ties are handled exactly: tied scores count as one threshold, as scikit-learn does.
 */

/**
 * Positive and negative counts per distinct score, highest score first: every metric here is a walk over
 * these groups, which is what makes them all tie-aware in the same way.
 */
function tieGroups(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): Array<{ pos: number; neg: number }> {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  const groups: Array<{ pos: number; neg: number }> = [];
  for (let i = 0; i < order.length; i++) {
    if (i === 0 || scores[order[i]] !== scores[order[i - 1]]) groups.push({ pos: 0, neg: 0 });
    const g = groups[groups.length - 1];
    if (labels[order[i]] === 1) g.pos++;
    else g.neg++;
  }
  return groups;
}

function checkInputs(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length)
    throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1)
      throw new RangeError(`label at row ${i} is ${labels[i]}, not 0 or 1`);
    if (Number.isNaN(scores[i])) throw new RangeError(`score at row ${i} is NaN`);
  }
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting one half (the Mann–Whitney statistic with mid-ranks). NaN when either class is empty.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkInputs(labels, scores);
  let pos = 0;
  let neg = 0;
  // Each negative beats every positive in higher groups and half of the positives in its own group.
  let wins = 0;
  for (const g of tieGroups(labels, scores)) {
    wins += g.neg * (pos + g.pos / 2);
    pos += g.pos;
    neg += g.neg;
  }
  return pos === 0 || neg === 0 ? Number.NaN : wins / (pos * neg);
}

/**
 * PR-AUC as average precision: Σ (R_n − R_{n−1}) · P_n over distinct score thresholds, highest first
 * (scikit-learn's `average_precision_score`). NaN when there are no positives.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkInputs(labels, scores);
  const groups = tieGroups(labels, scores);
  const totalPos = groups.reduce((n, g) => n + g.pos, 0);
  if (totalPos === 0) return Number.NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (const g of groups) {
    tp += g.pos;
    seen += g.pos + g.neg;
    ap += (g.pos / totalPos) * (tp / seen);
  }
  return ap;
}

/** Mean binary cross-entropy, probabilities clipped to [eps, 1 − eps] so a confident miss stays finite. */
export function logloss(labels: ArrayLike<number>, probs: ArrayLike<number>, eps = 1e-7): number {
  checkInputs(labels, probs);
  if (labels.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
}

/**
 * ROC curve points from (0,0) to (1,1), one per distinct threshold, thinned to at most `maxPoints`
 * (keeping the ends) so a report stays small.
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 200): RocPoint[] {
  checkInputs(labels, scores);
  const groups = tieGroups(labels, scores);
  const totalPos = groups.reduce((n, g) => n + g.pos, 0);
  const totalNeg = labels.length - totalPos;
  if (totalPos === 0 || totalNeg === 0) return [];
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (const g of groups) {
    tp += g.pos;
    fp += g.neg;
    points.push({ fpr: fp / totalNeg, tpr: tp / totalPos });
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, k) => points[Math.round(k * step)]);
}
