/**
 * Retries allowed as a share of recent successes (Finagle's retry budget, gRPC's retry throttling): each
 * success earns a token, a retry spends `successesPerRetry` of them, and at most `maxBanked` retries'
 * worth is kept. A replica that dies mid-request still costs only a retry; a service that times out because
 * it is overloaded is not sent twice its load, which would keep it overloaded after the burst that started it.
 */
export class RetryBudget {
  private tokens: number;
  private readonly cap: number;

  constructor(
    private readonly successesPerRetry = 10,
    maxBanked = 10,
  ) {
    this.cap = maxBanked * successesPerRetry;
    this.tokens = this.cap;
  }

  earn(): void {
    if (this.tokens < this.cap) this.tokens++;
  }

  /** Whether a retry may go now; spends its tokens when it may. */
  trySpend(): boolean {
    if (this.tokens < this.successesPerRetry) return false;
    this.tokens -= this.successesPerRetry;
    return true;
  }
}
