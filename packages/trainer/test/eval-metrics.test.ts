import { describe, expect, it } from "vitest";
import { auc, averagePrecision, K_MAX, logloss, rocCurve, topKMetrics } from "../src/eval/index.js";

/** A seeded stream in [0, 1) for random cases (an LCG is plenty for test inputs). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** AUC by definition: over every (positive, negative) pair, 1 if the positive scores higher, ½ on a tie. */
function bruteAuc(labels: number[], scores: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      sum += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return sum / pairs;
}

/** Average precision by definition: for each distinct threshold, (recall gain) × precision at it. */
function bruteAp(labels: number[], scores: number[]): number {
  const positives = labels.filter((l) => l === 1).length;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    const above = labels.map((l, i) => [l, scores[i]]).filter(([, s]) => s >= t);
    const tp = above.filter(([l]) => l === 1).length;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / above.length);
    prevRecall = recall;
  }
  return ap;
}

describe("auc", () => {
  it("matches hand-computed values, ties counting one half", () => {
    // Pairs (pos, neg): (.9,.8)=1 (.9,.1)=1 (.8,.8)=½ (.8,.1)=1 → 3.5 / 4.
    expect(auc([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1])).toBe(0.875);
    expect(auc([1, 1, 0, 0], [0.2, 0.1, 0.9, 0.8])).toBe(0);
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auc([1, 1], [0.3, 0.4])).toBeNaN();
  });

  it("agrees with the pairwise definition on random data with many ties", () => {
    const rnd = lcg(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30 + Math.floor(rnd() * 200);
      const labels = Array.from({ length: n }, () => (rnd() < 0.3 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      const scores = Array.from({ length: n }, () => Math.floor(rnd() * 8) / 8);
      expect(auc(labels, scores)).toBeCloseTo(bruteAuc(labels, scores), 12);
    }
  });

  it("rejects mismatched lengths, non-binary labels and NaN scores", () => {
    expect(() => auc([1, 0], [0.5])).toThrow(/length/);
    expect(() => auc([1, 2], [0.5, 0.4])).toThrow(/row 1/);
    expect(() => auc([1, 0], [Number.NaN, 0.4])).toThrow(/NaN/);
  });
});

describe("averagePrecision", () => {
  it("matches hand-computed values with a tied threshold", () => {
    // Threshold .9: P = 1, R = ½; threshold .8 (two rows): P = 2/3, R = 1 → ½ + ½ · 2/3.
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(averagePrecision([1, 0, 0], [0.9, 0.2, 0.1])).toBe(1);
    // One tie group holding everything: precision = base rate.
    expect(averagePrecision([1, 0, 0, 0], [1, 1, 1, 1])).toBe(0.25);
    expect(averagePrecision([0, 0], [1, 2])).toBeNaN();
  });

  it("agrees with the threshold-by-threshold definition on random data", () => {
    const rnd = lcg(9);
    for (let trial = 0; trial < 20; trial++) {
      const n = 20 + Math.floor(rnd() * 150);
      const labels = Array.from({ length: n }, () => (rnd() < 0.4 ? 1 : 0));
      labels[0] = 1;
      const scores = Array.from({ length: n }, () => Math.floor(rnd() * 10) / 10);
      expect(averagePrecision(labels, scores)).toBeCloseTo(bruteAp(labels, scores), 12);
    }
  });
});

describe("logloss", () => {
  it("is the mean cross-entropy and stays finite on confident misses", () => {
    expect(logloss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(logloss([0], [1])).toBeCloseTo(-Math.log(1e-7), 6);
    expect(logloss([1], [1])).toBeCloseTo(-Math.log(1 - 1e-7), 12);
  });
});

describe("rocCurve", () => {
  it("steps through distinct thresholds from (0,0) to (1,1)", () => {
    expect(rocCurve([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    const rnd = lcg(3);
    const labels = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const scores = labels.map(() => rnd());
    const thin = rocCurve(labels, scores, 50);
    expect(thin.length).toBe(50);
    expect(thin[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(thin[49]).toEqual({ fpr: 1, tpr: 1 });
  });
});

describe("topKMetrics", () => {
  it("computes HR@K and NDCG@K from the positive's rank", () => {
    // Positive at rank 3 (two negatives above).
    const m = topKMetrics([[0.5, 0.9, 0.7, 0.1, 0.2]]);
    expect(m.hr.slice(0, 4)).toEqual([0, 0, 1, 1]);
    expect(m.ndcg[1]).toBe(0);
    expect(m.ndcg[2]).toBeCloseTo(1 / Math.log2(4), 12);
    expect(m.ndcg[K_MAX - 1]).toBeCloseTo(0.5, 12);
    expect(m.users).toBe(1);
  });

  it("takes the expectation over random tie-breaking, so a constant scorer gets chance", () => {
    // One negative above, one tied: rank 2 or 3 with probability ½ each.
    const m = topKMetrics([[0.5, 0.9, 0.5, 0.1]]);
    expect(m.hr.slice(0, 3)).toEqual([0, 0.5, 1]);
    expect(m.ndcg[1]).toBeCloseTo(0.5 / Math.log2(3), 12);
    expect(m.ndcg[2]).toBeCloseTo(0.5 / Math.log2(3) + 0.5 / Math.log2(4), 12);
    const constant = topKMetrics([new Float32Array(100).fill(0.3)]);
    expect(constant.hr[9]).toBeCloseTo(0.1, 12);
    expect(constant.hr[0]).toBeCloseTo(0.01, 12);
  });

  it("agrees with averaging over every tie-breaking order on random cases", () => {
    const rnd = lcg(17);
    const cases = Array.from({ length: 40 }, () => Array.from({ length: 12 }, () => Math.floor(rnd() * 4)));
    const m = topKMetrics(cases, 12);
    // Brute force: rank of the positive under each of its (ties + 1) equally likely positions.
    const hr = new Array(12).fill(0);
    const ndcg = new Array(12).fill(0);
    for (const s of cases) {
      const greater = s.slice(1).filter((v) => v > s[0]).length;
      const ties = s.slice(1).filter((v) => v === s[0]).length;
      for (let pos = 0; pos <= ties; pos++) {
        const rank = greater + pos + 1;
        for (let k = 1; k <= 12; k++) {
          if (rank <= k) {
            hr[k - 1] += 1 / (ties + 1) / cases.length;
            ndcg[k - 1] += 1 / Math.log2(rank + 1) / (ties + 1) / cases.length;
          }
        }
      }
    }
    for (let k = 0; k < 12; k++) {
      expect(m.hr[k]).toBeCloseTo(hr[k], 12);
      expect(m.ndcg[k]).toBeCloseTo(ndcg[k], 12);
    }
  });
});
