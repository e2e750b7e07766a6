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
    expect(judged.summary).toMatch(/over the last/);
  });

  it("calls a garbage collector's sawtooth flat, wherever the run happens to stop in it", () => {
    // Climbs 15 MiB over 100 s, drops back, and again: the end of the run is at a peak.
    const judged = judgeMemory(
      samples((minute) => 100 * MIB + ((minute * 60) % 100) * 0.15 * MIB),
      "chat",
    );
    expect(judged.flat).toBe(true);
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
