/** One figure of the bench, next to the reference tool's figure from the same run where there is one. */
export interface BenchRow {
  group: string;
  measurement: string;
  unit: string;
  value: number;
  reference?: { tool: string; value: number };
  /** A bound on value / reference (`ratio-*`) or on the value itself (`value-at-most`). */
  target?: { kind: "ratio-at-least" | "ratio-at-most" | "value-at-most"; bound: number };
  note?: string;
}

export type Verdict = "pass" | "miss" | "";

/** value / reference, when there is a reference. */
export function ratioOf(row: BenchRow): number | undefined {
  return row.reference && row.reference.value !== 0 ? row.value / row.reference.value : undefined;
}

const VERDICT_BY_KIND: Record<
  NonNullable<BenchRow["target"]>["kind"],
  (row: BenchRow, bound: number) => boolean
> = {
  "ratio-at-least": (row, bound) => (ratioOf(row) ?? 0) >= bound,
  "ratio-at-most": (row, bound) => (ratioOf(row) ?? Infinity) <= bound,
  "value-at-most": (row, bound) => row.value <= bound,
};

/** Whether a row meets its target; "" when it has none. */
export function verdictOf(row: BenchRow): Verdict {
  if (!row.target) return "";
  return VERDICT_BY_KIND[row.target.kind](row, row.target.bound) ? "pass" : "miss";
}
