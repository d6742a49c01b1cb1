/**
 * Fenwick (binary indexed) tree over non-negative weights: draw an index ∝ weight among the first `count`
 * indices and remove or restore a weight, each in O(log n). Lets the generator sample without replacement
 * from a skewed distribution without rejection loops that stall once a heavy user has taken the head.
 */
export class Fenwick {
  private readonly tree: Float64Array;
  private readonly topStep: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.tree = new Float64Array(n + 1);
    for (let i = 1; i <= n; i++) {
      this.tree[i] += weights[i - 1];
      const parent = i + (i & -i);
      if (parent <= n) this.tree[parent] += this.tree[i];
    }
    let step = 1;
    while (step * 2 <= n) step *= 2;
    this.topStep = step;
  }

  add(index: number, delta: number): void {
    for (let i = index + 1; i < this.tree.length; i += i & -i) this.tree[i] += delta;
  }

  /** Sum of the weights of indices [0, count). */
  prefix(count: number): number {
    let s = 0;
    for (let i = count; i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }

  /** The smallest index whose inclusive prefix sum exceeds `target`. */
  find(target: number): number {
    let pos = 0;
    let rest = target;
    for (let step = this.topStep; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && this.tree[next] <= rest) {
        pos = next;
        rest -= this.tree[next];
      }
    }
    return pos;
  }
}
