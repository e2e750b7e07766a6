import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.ts";

describe("TokenBucket", () => {
  it("allows a burst of its capacity, then one token per 1/rate seconds", () => {
    const bucket = new TokenBucket(3, 10, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.msUntilToken(0)).toBe(100);
    expect(bucket.take(99)).toBe(false);
    expect(bucket.take(100)).toBe(true);
  });

  it("never holds more than its capacity, however long it waited", () => {
    const bucket = new TokenBucket(2, 10, 0);
    expect([1, 2, 3].map(() => bucket.take(60_000))).toEqual([true, true, false]);
  });
});
