import { ladderRows, type Ladder, type LadderRow } from "./ladder-rows.ts";
import type { Timeline } from "./trace-event.ts";

const LANE_GAP_PX = 360;
const LEFT_PX = 110;
const TOP_PX = 60;
const ROW_PX = 24;
const FONT = 'font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12"';

/**
 * The same ladder as renderLadderText, as an SVG: a vertical line per service, each segment a
 * sloped arrow from the row it left to the row it arrived, each state change a box on its line.
 */
export function renderLadderSvg(timeline: Timeline): string {
  const ladder = ladderRows(timeline);
  const laneCount = Math.max(ladder.lanes.length, 1);
  const widthPx = LEFT_PX + LANE_GAP_PX * laneCount;
  const bottomPx = yOf(ladder.rows.length) + (ladder.footnote ? ROW_PX : 0);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${bottomPx + ROW_PX}" viewBox="0 0 ${widthPx} ${bottomPx + ROW_PX}">`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="${TOP_PX - 30}" ${FONT}>ms</text>`,
    ...ladder.lanes.flatMap((lane, index) => [
      `<text x="${xOf(index, laneCount)}" y="${TOP_PX - 30}" text-anchor="middle" ${FONT} font-weight="bold">${escape(lane.service)} ${escape(lane.address)}</text>`,
      `<line x1="${xOf(index, laneCount)}" y1="${TOP_PX - 20}" x2="${xOf(index, laneCount)}" y2="${bottomPx}" stroke="#888"/>`,
    ]),
    ...ladder.rows.flatMap((row, index) => renderRow(ladder, row, index, laneCount)),
    ...(ladder.footnote
      ? [`<text x="10" y="${bottomPx + 4}" ${FONT}>${escape(ladder.footnote)}</text>`]
      : []),
    `</svg>`,
  ];
  return `${parts.join("\n")}\n`;
}

function renderRow(ladder: Ladder, row: LadderRow, index: number, laneCount: number): string[] {
  const y = yOf(index);
  const time = `<text x="10" y="${y + 4}" ${FONT} fill="#666">${(row.atNs / 1e6).toFixed(3)}</text>`;
  if (row.kind === "arrive") return [];
  if (row.kind === "send") {
    const arrivedY = row.arrivedRow === undefined ? y : yOf(row.arrivedRow);
    const [x1, x2] = [xOf(row.from, laneCount), xOf(row.to, laneCount)];
    return [
      time,
      `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${arrivedY}" stroke="#1f5fbf" marker-end="url(#head)"/>`,
      `<text x="${(x1 + x2) / 2}" y="${(y + arrivedY) / 2 - 4}" text-anchor="middle" ${FONT} fill="#1f5fbf">${escape(row.label)}</text>`,
    ];
  }
  const x = xOf(row.lane, laneCount);
  const widthPx = 8 * row.text.length + 12;
  const fill = row.kind === "state" ? "#fff3c4" : "#fde0e0";
  return [
    time,
    `<rect x="${x - widthPx / 2}" y="${y - 10}" width="${widthPx}" height="18" rx="4" fill="${fill}" stroke="#a08000"/>`,
    `<text x="${x}" y="${y + 4}" text-anchor="middle" ${FONT}>${escape(row.text)}</text>`,
  ];
}

function xOf(lane: number, laneCount: number): number {
  const clamped = Math.min(Math.max(lane, -0.5), laneCount - 0.5);
  return LEFT_PX + LANE_GAP_PX / 2 + clamped * LANE_GAP_PX;
}

function yOf(rowIndex: number): number {
  return TOP_PX + rowIndex * ROW_PX;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
