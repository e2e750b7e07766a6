/**
 * A rate limit without timers: `capacity` tokens, refilled continuously at `tokensPerSecond`; the
 * caller passes the time, so a bucket costs two numbers and nothing runs while nobody asks.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly tokensPerSecond: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(capacity: number, tokensPerSecond: number, nowMs: number) {
    this.capacity = capacity;
    this.tokensPerSecond = tokensPerSecond;
    this.#tokens = capacity;
    this.#updatedAtMs = nowMs;
  }

  /** Spends one token if there is one. */
  take(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until `take` can succeed. */
  msUntilToken(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1_000) / this.tokensPerSecond);
  }

  #refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.#updatedAtMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsedMs * this.tokensPerSecond) / 1_000);
    this.#updatedAtMs = nowMs;
  }
}
