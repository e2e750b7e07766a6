import { describe, expect, it } from "vitest";
import type { BenchRow } from "./bench-row.ts";
import { formatSpread } from "./format-spread.ts";

function row(measurement: string, value: number, reference: number): BenchRow {
  return {
    group: "UDP echo",
    measurement,
    unit: "µs",
    value,
    reference: { tool: "sockperf", value: reference },
    target: { kind: "ratio-at-most", bound: 1.3 },
  };
}

describe("formatSpread", () => {
  it("gives each targeted row's ratio per run, the spread and the runs that met it", () => {
    const lines = formatSpread([
      [row("p50", 12, 10), { group: "g", measurement: "no target", unit: "s", value: 1 }],
      [row("p50", 15, 10)],
      [row("p50", 11, 10)],
    ]);
    expect(lines[0]).toBe("Target ratios over 3 runs in this lab, one after another:");
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe("| p50 | 1.20x | 1.50x | 1.10x | 1.10x to 1.50x | ≤ 1.3x | 2 of 3 |");
  });

  it("marks a run that did not measure the row, and says nothing for a single run", () => {
    const lines = formatSpread([[row("p50", 12, 10)], []]);
    expect(lines.at(-1)).toBe("| p50 | 1.20x | not measured | 1.20x to 1.20x | ≤ 1.3x | 1 of 2 |");
    expect(formatSpread([[row("p50", 12, 10)]])).toEqual([]);
  });
});
