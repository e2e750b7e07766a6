import { describe, expect, it } from "vitest";
import { judgeMemory, type SoakSample } from "./format-soak-markdown.ts";

const MIB = 1024 * 1024;

// Readings every 15 s over 10 minutes, RSS given by `rssAt(minute)`.
function samples(rssAt: (minute: number) => number): SoakSample[] {
  return Array.from({ length: 41 }, (_, i) => {
    const atMs = i * 15_000;
    return { atMs, services: { chat: { rssBytes: rssAt(atMs / 60_000), health: "healthy", restarts: 0 } } };
  });
}

describe("judgeMemory", () => {
  it("calls memory flat when it grows while warming up, then holds", () => {
    const judged = judgeMemory(
      samples((minute) => (minute < 1 ? 40 * MIB + minute * 30 * MIB : 70 * MIB)),
      "chat",
    );
    expect(judged.flat).toBe(true);
    expect(judged.baselineBytes).toBe(70 * MIB);
    expect(judged.endBytes).toBe(70 * MIB);
  });

  it("calls memory not flat when it climbs steadily after warming up", () => {
    const judged = judgeMemory(
      samples((minute) => 60 * MIB + minute * 3 * MIB),
      "chat",
    );
    expect(judged.flat).toBe(false);
    expect(judged.summary).toMatch(/in the second/);
  });

  it("calls a garbage collector's sawtooth flat, however long its last climb", () => {
    // Climbs 25 MiB over 4 minutes, drops back, and again: the run ends near a peak.
    const judged = judgeMemory(
      samples((minute) => 100 * MIB + ((minute % 4) / 4) * 25 * MIB),
      "chat",
    );
    expect(judged.flat).toBe(true);
    expect(judged.peakBytes).toBeGreaterThan(120 * MIB);
  });

  it("calls a sawtooth whose floor climbs not flat", () => {
    const judged = judgeMemory(
      samples((minute) => 100 * MIB + minute * 3 * MIB + ((minute % 2) / 2) * 10 * MIB),
      "chat",
    );
    expect(judged.flat).toBe(false);
  });

  it("allows a few MiB of noise on a small heap", () => {
    const judged = judgeMemory(
      samples((minute) => (minute > 8 ? 26 * MIB : 20 * MIB)),
      "chat",
    );
    expect(judged.flat).toBe(true);
  });

  it("does not judge a run with too few readings after warm-up", () => {
    const judged = judgeMemory(samples(() => 50 * MIB).slice(0, 3), "chat");
    expect(judged.flat).toBe(false);
    expect(judged.summary).toMatch(/too few/);
  });
});
