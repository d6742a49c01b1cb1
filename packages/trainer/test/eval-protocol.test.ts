import { describe, expect, it } from "vitest";
import {
  evaluate,
  leaveOneOut,
  PopularityScorer,
  type SampleTable,
  type ScoreBatch,
  type Scorer,
  sampleTopKCases,
  sliceBatch,
} from "../src/eval/index.js";
import { genreMatch, oracle, syntheticSamples } from "./eval-fixtures.js";

const r = (userId: number, movieId: number, rating: number, timestamp: number) => ({
  userId,
  movieId,
  rating,
  timestamp,
});

describe("leaveOneOut", () => {
  it("holds out each user's latest positive, ties to the larger movie id, only with a positive to spare", () => {
    const split = leaveOneOut([
      r(1, 10, 4, 100),
      r(1, 11, 5, 300),
      r(1, 12, 2, 400), // negative: never held out
      r(2, 20, 4, 50),
      r(2, 21, 4, 50),
      r(3, 30, 5, 10), // one positive only: kept for training
      r(3, 31, 1, 20),
    ]);
    expect([...split.heldOut.values()]).toEqual([
      { userId: 1, movieId: 11, timestamp: 300 },
      { userId: 2, movieId: 21, timestamp: 50 },
    ]);
    expect(split.isHeldOut(1, 11)).toBe(true);
    expect(split.isHeldOut(1, 10)).toBe(false);
    expect(split.isHeldOut(3, 30)).toBe(false);
  });
});

describe("sampleTopKCases", () => {
  const catalogue = Int32Array.from({ length: 500 }, (_, i) => i + 1);
  const heldOut = [
    { userId: 7, movieId: 3, timestamp: 0 },
    { userId: 8, movieId: 4, timestamp: 0 },
  ];
  const interacted = new Map([
    [7, new Set([3, 5, 6, 7])],
    [8, new Set(Array.from({ length: 350 }, (_, i) => i + 4))],
  ]);

  it("draws distinct never-interacted negatives, seeded per user", () => {
    const { cases, skipped } = sampleTopKCases(heldOut, interacted, catalogue, { seed: 4 });
    expect(skipped).toBe(0);
    for (const c of cases) {
      expect(c.candidates.length).toBe(100);
      expect(c.candidates[0]).toBe(heldOut.find((h) => h.userId === c.userId)?.movieId);
      const negs = [...c.candidates.subarray(1)];
      expect(new Set(negs).size).toBe(99);
      for (const m of negs) {
        expect(interacted.get(c.userId)?.has(m)).toBe(false);
        expect(m >= 1 && m <= 500).toBe(true);
      }
    }
    // User 8 has 150 movies left: the dense path must still find 99 distinct ones.
    const alone = sampleTopKCases([heldOut[1]], interacted, catalogue, { seed: 4 });
    expect([...alone.cases[0].candidates]).toEqual([...cases[1].candidates]);
    const reseeded = sampleTopKCases(heldOut, interacted, catalogue, { seed: 5 });
    expect([...reseeded.cases[0].candidates]).not.toEqual([...cases[0].candidates]);
  });

  it("skips users with fewer non-interacted movies than negatives", () => {
    const { cases, skipped } = sampleTopKCases(heldOut, interacted, catalogue.subarray(0, 400), { seed: 1 });
    expect(cases.map((c) => c.userId)).toEqual([7]);
    expect(skipped).toBe(1);
  });
});

describe("PopularityScorer", () => {
  it("orders by training count and calibrates with a non-negative slope", () => {
    // Movie 1: 6 rows (5 positive), movie 2: 3 rows (1 positive), movie 3: 1 row (negative).
    const movies = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3];
    const labels = [1, 1, 1, 1, 1, 0, 1, 0, 0, 0];
    const pop = PopularityScorer.fit(movies, labels);
    expect(pop.count(1)).toBe(6);
    expect(pop.count(9)).toBe(0);
    expect(pop.slope).toBeGreaterThan(0);
    const s = pop.score(batchOf([1, 1, 1, 1], [1, 2, 3, 9]));
    expect(s[0]).toBeGreaterThan(s[1]);
    expect(s[1]).toBeGreaterThan(s[2]);
    expect(s[2]).toBeGreaterThan(s[3]);
    // The fit is a maximum-likelihood logistic regression: predicted positives equal actual positives.
    const fitted = pop.score(batchOf(movies, movies));
    expect(fitted.reduce((a, b) => a + b, 0)).toBeCloseTo(6, 4);
    // When popular movies are liked less, the slope sits at its small floor: still the popularity order,
    // probabilities about the base rate.
    const flat = PopularityScorer.fit([1, 1, 1, 2], [0, 0, 0, 1]);
    expect(flat.slope).toBe(1e-3);
    const f = flat.score(batchOf([1, 1], [1, 2]));
    expect(f[0]).toBeGreaterThan(f[1]);
    expect(f[0]).toBeCloseTo(0.25, 2);
  });
});

function batchOf(users: number[], movies: number[]): ScoreBatch {
  return sliceBatch(
    {
      size: users.length,
      columns: new Map([
        ["userId", Int32Array.from(users)],
        ["movieId", Int32Array.from(movies)],
      ]),
    },
    0,
    users.length,
  );
}

describe("evaluate", () => {
  it("reports every scorer and the popularity baseline under both protocols", async () => {
    const data = syntheticSamples();
    const progress: number[] = [];
    const res = await evaluate(data, [oracle, genreMatch], {
      seed: 3,
      batchSize: 1000,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(res.results.map((x) => x.name)).toEqual(["oracle", "genre-match", "popularity"]);
    const [o, g, p] = res.results;
    expect(res.protocol.topKUsers).toBe(160);
    expect(res.protocol.topKSkipped).toBe(0);
    expect(res.protocol.testRows).toBe(data.test.size);
    expect(res.protocol.heldOutTrainingRows).toBeGreaterThan(0);
    // The oracle separates the test labels perfectly, up to its two score levels.
    expect(o.auc).toBe(1);
    expect(o.hr[9]).toBeGreaterThan(0.35);
    expect(o.hr[9]).toBeGreaterThan(p.hr[9] + 0.1);
    expect(o.ndcg[9]).toBeGreaterThan(p.ndcg[9]);
    expect(o.logloss).toBeLessThan(p.logloss);
    expect(g).toEqual({ ...o, name: "genre-match" });
    for (const x of res.results) {
      expect(x.hr.length).toBe(20);
      for (let k = 1; k < 20; k++) expect(x.hr[k]).toBeGreaterThanOrEqual(x.hr[k - 1]);
      expect(x.roc[0]).toEqual({ fpr: 0, tpr: 0 });
    }
    // Popularity still beats chance on this popularity-skewed data.
    expect(p.hr[9]).toBeGreaterThan(0.1);
    expect(progress.at(-1)).toBe(1);
  });

  it("names what is missing in bad input", async () => {
    const data = syntheticSamples();
    const noLabel: SampleTable = {
      size: data.test.size,
      columns: new Map([...data.test.columns].filter(([k]) => k !== "label")),
    };
    await expect(evaluate({ ...data, test: noLabel }, [oracle])).rejects.toThrow(
      /test samples has no column "label"/,
    );
    await expect(evaluate({ ...data, train: { size: 0, columns: new Map() } }, [])).rejects.toThrow(
      /training samples are empty/,
    );
    const wantsRating: Scorer = { ...oracle, features: ["rating"] };
    await expect(evaluate(data, [wantsRating])).rejects.toThrow(
      /"rating" is neither a user nor a movie feature/,
    );
    const short: Scorer = { name: "short", features: [], score: () => new Float32Array(1) };
    await expect(evaluate(data, [short])).rejects.toThrow(/"short" returned 1 scores/);
  });
});
