import { describe, expect, it } from "vitest";
import { RetryBudget } from "../src/retry-budget.js";

describe("RetryBudget", () => {
  it("allows a burst of retries, then one per ten successes", () => {
    const budget = new RetryBudget(10, 3);
    expect([budget.trySpend(), budget.trySpend(), budget.trySpend(), budget.trySpend()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    for (let i = 0; i < 9; i++) budget.earn();
    expect(budget.trySpend()).toBe(false);
    budget.earn();
    expect(budget.trySpend()).toBe(true);
    expect(budget.trySpend()).toBe(false);
  });

  it("banks at most `max` tokens however long things go well", () => {
    const budget = new RetryBudget(2, 2);
    for (let i = 0; i < 100; i++) budget.earn();
    expect([budget.trySpend(), budget.trySpend(), budget.trySpend()]).toEqual([true, true, false]);
  });
});
