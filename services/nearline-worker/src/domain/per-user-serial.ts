import type { ApplyResult, RatingToApply } from "@wren/feature-store";
import type { RatingApplier } from "./handle-event.js";

/**
 * Applies one user's events one after another (in delivery order) and different users' concurrently.
 * Without it a burst of one user's events would race on the user's compare-and-set revision and mostly
 * retry; across replicas the compare-and-set still keeps the result right when they collide.
 */
export class PerUserSerialApplier implements RatingApplier {
  private readonly tails = new Map<number, Promise<unknown>>();

  constructor(private readonly inner: RatingApplier) {}

  apply(e: RatingToApply): Promise<ApplyResult> {
    const previous = this.tails.get(e.userId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.inner.apply(e));
    this.tails.set(e.userId, next);
    void next.then(
      () => this.release(e.userId, next),
      () => this.release(e.userId, next),
    );
    return next;
  }

  private release(userId: number, p: Promise<unknown>): void {
    if (this.tails.get(userId) === p) this.tails.delete(userId);
  }
}
