import { ratioOf, verdictOf, type BenchRow } from "./bench-row.ts";

/**
 * The rows with a target, as their ratio in each of several runs in the same lab (`--runs N`), the
 * spread (lowest to highest) and how many runs met the target: one run's pass can be luck.
 */
export function formatSpread(runs: readonly (readonly BenchRow[])[]): string[] {
  const first = runs[0] ?? [];
  const targeted = first.filter((row) => row.target !== undefined && row.reference !== undefined);
  if (runs.length < 2 || targeted.length === 0) return [];
  const runHeads = runs.map((_, index) => `run ${index + 1}`);
  const lines = [
    `Target ratios over ${runs.length} runs in this lab, one after another:`,
    "",
    `| measurement | ${runHeads.join(" | ")} | spread | target | runs meeting it |`,
    `| --- | ${runHeads.map(() => "---").join(" | ")} | --- | --- | --- |`,
  ];
  for (const row of targeted) {
    const matches = runs.map((rows) => rows.find((other) => sameRow(other, row)));
    const ratios = matches.map((match) => (match ? ratioOf(match) : undefined));
    const known = ratios.filter((ratio): ratio is number => ratio !== undefined);
    const spread = known.length > 0 ? `${fixed(Math.min(...known))} to ${fixed(Math.max(...known))}` : "";
    const met = matches.filter((match) => match !== undefined && verdictOf(match) === "pass").length;
    const cells = ratios.map((ratio) => (ratio === undefined ? "not measured" : fixed(ratio)));
    const target = `${row.target?.kind === "ratio-at-least" ? "≥" : "≤"} ${row.target?.bound ?? ""}x`;
    lines.push(
      `| ${row.measurement} | ${cells.join(" | ")} | ${spread} | ${target} | ${met} of ${runs.length} |`,
    );
  }
  return lines;
}

const fixed = (ratio: number) => `${ratio.toFixed(2)}x`;

function sameRow(a: BenchRow, b: BenchRow): boolean {
  return a.group === b.group && a.measurement === b.measurement;
}
