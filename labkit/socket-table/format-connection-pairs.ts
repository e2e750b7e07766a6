import type { ConnectionPair } from "./pair-connection-ends.ts";
import type { SocketSummary } from "./socket-entry.ts";

const endpoint = (address: string, port: number) =>
  `${address.includes(":") ? `[${address}]` : address}:${port === 0 ? "*" : port}`;

// Each side mirrors the other around the bar: its own state nearest the middle.
const leftCells = (e?: SocketSummary) =>
  e
    ? [e.protocol, endpoint(e.localAddress, e.localPort), endpoint(e.remoteAddress, e.remotePort), e.state]
    : ["", "", "", "-"];
const rightCells = (e?: SocketSummary) =>
  e
    ? [e.state, endpoint(e.localAddress, e.localPort), endpoint(e.remoteAddress, e.remotePort)]
    : ["-", "", ""];

const LEFT_HEADER = ["Proto", "Local Address", "Foreign Address", "State"];
const RIGHT_HEADER = ["State", "Local Address", "Foreign Address"];

/**
 * The connections between two containers as two tables side by side, one row per connection: what
 * each end's kernel holds for it at the same moment (`-` where that end has no socket any more).
 */
export function formatConnectionPairs(
  titles: readonly [string, string],
  pairs: readonly ConnectionPair[],
): string {
  const lefts = [LEFT_HEADER, ...pairs.map((p) => leftCells(p.left))];
  const rights = [RIGHT_HEADER, ...pairs.map((p) => rightCells(p.right))];
  const widthsOf = (rows: readonly string[][]) =>
    (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const leftWidths = widthsOf(lefts);
  const rightWidths = widthsOf(rights);
  const pad = (row: readonly string[], widths: readonly number[]) =>
    row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" ");
  const leftWidth = pad(LEFT_HEADER, leftWidths).length;
  const lines = lefts.map((row, i) =>
    `${pad(row, leftWidths)} | ${pad(rights[i] ?? [], rightWidths)}`.trimEnd(),
  );
  const [leftTitle, rightTitle] = titles;
  const body = pairs.length === 0 ? [...lines, "(no connection between them)"] : lines;
  return [`${leftTitle.padEnd(leftWidth)} | ${rightTitle}`, ...body].join("\n");
}
