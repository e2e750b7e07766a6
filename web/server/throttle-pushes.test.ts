import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PushThrottle } from "./throttle-pushes.ts";

describe("PushThrottle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends a topic's first value at once, then at most one per interval, the newest", () => {
    const sent: [string, number][] = [];
    const throttle = new PushThrottle<number>(
      250,
      (topic, value) => sent.push([topic, value]),
      () => Date.now(),
    );
    for (let i = 1; i <= 100; i++) throttle.push("sockets", i);
    expect(sent).toEqual([["sockets", 1]]);
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([
      ["sockets", 1],
      ["sockets", 100],
    ]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(2);
  });

  it("keeps topics apart", () => {
    const sent: string[] = [];
    const throttle = new PushThrottle<number>(
      250,
      (topic) => sent.push(topic),
      () => Date.now(),
    );
    throttle.push("sockets", 1);
    throttle.push("ladder", 1);
    expect(sent).toEqual(["sockets", "ladder"]);
  });

  it("sends nothing after dispose", () => {
    const sent: number[] = [];
    const throttle = new PushThrottle<number>(
      250,
      (_topic, value) => sent.push(value),
      () => Date.now(),
    );
    throttle.push("tour", 1);
    throttle.push("tour", 2);
    throttle.dispose();
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([1]);
  });
});
