import { ratioOf, verdictOf, type BenchRow } from "./bench-row.ts";
import { formatSpread } from "./format-spread.ts";
import type { MachineInfo } from "./read-machine-info.ts";

export interface BenchReport {
  startedAt: string;
  machine: MachineInfo;
  rows: BenchRow[];
  skipped: { measurement: string; reason: string }[];
  /** With `--runs N`: every run's rows, the first being `rows`; the table then shows their spread. */
  repeats?: BenchRow[][];
}

const TARGET_TEXT: Record<NonNullable<BenchRow["target"]>["kind"], (bound: number, unit: string) => string> =
  {
    "ratio-at-least": (bound) => `≥ ${bound}x`,
    "ratio-at-most": (bound) => `≤ ${bound}x`,
    "value-at-most": (bound, unit) => `≤ ${bound.toLocaleString("en-US")} ${unit}`,
  };

/** The figures as the Markdown section docs/benchmarks.md shows for one run. */
export function formatMarkdown(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `## Run of ${report.startedAt} (${machine.cpuModel})`,
    "",
    ...formatMachineLines(machine),
    "",
    "| group | measurement | socklab | reference (same run) | ratio | target | result |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...report.rows.map(formatRow),
  ];
  const spread = formatSpread(report.repeats ?? []);
  if (spread.length > 0) lines.push("", ...spread);
  const notes = report.rows.filter((row) => row.note !== undefined);
  if (notes.length > 0) {
    lines.push("", "Notes:", "");
    lines.push(...notes.map((row) => `- ${row.measurement}: ${row.note ?? ""}`));
  }
  if (report.skipped.length > 0) {
    lines.push("", "Not measured in this run:", "");
    lines.push(...report.skipped.map((s) => `- ${s.measurement}: ${s.reason}`));
  }
  return `${lines.join("\n")}\n`;
}

function formatRow(row: BenchRow): string {
  const ratio = ratioOf(row);
  const cells = [
    row.group,
    row.measurement,
    `${formatNumber(row.value)} ${row.unit}`,
    row.reference ? `${row.reference.tool}: ${formatNumber(row.reference.value)} ${row.unit}` : "",
    ratio === undefined ? "" : `${ratio.toFixed(2)}x`,
    row.target ? TARGET_TEXT[row.target.kind](row.target.bound, row.unit) : "",
    verdictOf(row),
  ];
  return `| ${cells.join(" | ")} |`;
}

// Three significant digits: enough to compare, not more than one run can tell.
function formatNumber(value: number): string {
  if (value === 0) return "0";
  return Number(value.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/** The machine and versions a run's figures depend on, as the page's two lines under its heading. */
export function formatMachineLines(machine: MachineInfo): string[] {
  return [
    `Machine: Linux ${machine.kernel}, ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB;`,
    `Node ${machine.hostNode} (host), ${machine.workbenchNode} (containers); Docker ${machine.docker}, compose ${machine.compose}.`,
  ];
}
