import { ladderRows, type Ladder, type LadderRow } from "./ladder-rows.ts";
import type { Timeline } from "./trace-event.ts";

const TIME_COLUMN_CHARS = 12;
const LANE_CHARS = 46;
const AXIS = "│";

/**
 * The timeline as a ladder in plain text: one column per service, time going down in
 * milliseconds since the start, arrows from sender to receiver with flags, numbers and lengths,
 * and each end's new state written on its own line where it changes.
 */
export function renderLadderText(timeline: Timeline): string {
  const ladder = ladderRows(timeline);
  const width = TIME_COLUMN_CHARS + LANE_CHARS * Math.max(ladder.lanes.length, 1);
  const lines = [header(ladder, width)];
  for (const row of ladder.rows) {
    if (row.kind === "arrive") continue;
    lines.push(renderRow(ladder, row, width));
  }
  if (ladder.footnote) lines.push("", ladder.footnote);
  return `${lines.join("\n")}\n`;
}

function header(ladder: Ladder, width: number): string {
  const line = blank(width, ladder.lanes.length);
  put(line, 0, "ms".padStart(TIME_COLUMN_CHARS - 3));
  ladder.lanes.forEach((lane, index) => put(line, axisOf(index), `${lane.service} ${lane.address}`));
  return line.join("").trimEnd();
}

function renderRow(ladder: Ladder, row: Exclude<LadderRow, { kind: "arrive" }>, width: number): string {
  const line = blank(width, ladder.lanes.length);
  put(line, 0, (row.atNs / 1e6).toFixed(3).padStart(TIME_COLUMN_CHARS - 3));
  if (row.kind === "send") drawArrow(line, ladder, row);
  else put(line, axisOf(row.lane), row.kind === "state" ? `■ ${row.text}` : `· ${row.text}`);
  return line.join("").trimEnd();
}

function drawArrow(line: string[], ladder: Ladder, row: Extract<LadderRow, { kind: "send" }>): void {
  const from = xOf(row.from, ladder.lanes.length);
  const to = xOf(row.to, ladder.lanes.length);
  const [left, right] = from < to ? [from, to] : [to, from];
  for (let x = left + 1; x < right; x++) line[x] = "─";
  line[to] = from < to ? "▶" : "◀";
  const arrived = row.arrivedRow === undefined ? "" : ` +${arrivalUs(ladder, row)}µs`;
  const label = ` ${row.label}${arrived} `.slice(0, Math.max(0, right - left - 4));
  put(line, left + 2, label);
}

function arrivalUs(ladder: Ladder, row: Extract<LadderRow, { kind: "send" }>): string {
  const arrived = ladder.rows[row.arrivedRow ?? -1];
  return arrived ? ((arrived.atNs - row.atNs) / 1e3).toFixed(0) : "?";
}

// Lane -1 is the left edge and lane N the right edge: peers outside the recording.
function xOf(lane: number, laneCount: number): number {
  if (lane < 0) return TIME_COLUMN_CHARS - 1;
  if (lane >= laneCount) return axisOf(laneCount - 1) + LANE_CHARS - 2;
  return axisOf(lane);
}

function axisOf(lane: number): number {
  return TIME_COLUMN_CHARS + lane * LANE_CHARS;
}

function blank(width: number, laneCount: number): string[] {
  const line = Array.from({ length: width }, () => " ");
  for (let lane = 0; lane < laneCount; lane++) line[axisOf(lane)] = AXIS;
  return line;
}

function put(line: string[], at: number, text: string): void {
  // Array.from keeps each of the ladder's characters (│ ─ ▶ µ) in one cell.
  Array.from(text).forEach((char, offset) => {
    if (at + offset < line.length) line[at + offset] = char;
  });
}
