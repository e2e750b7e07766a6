import type { LadderEvent } from "../../server/page-events.ts";

const LANE_WIDTH = 210;
const EDGE_WIDTH = 40;
const ROW_HEIGHT = 18;
const TOP = 44;

type Row = LadderEvent["rows"][number];

function stateClass(text: string): string {
  return `state-${text.split(/[?\s]/)[0] ?? ""}`;
}

/** The trace's ladder model drawn as SVG: a lane per container, states at their lane, packets as arrows. */
export function Ladder({ ladder }: { ladder: LadderEvent | undefined }) {
  if (!ladder) return <p class="muted">starting the trace…</p>;
  const lanes = ladder.lanes;
  const laneX = (lane: number) =>
    lane < 0
      ? EDGE_WIDTH / 2
      : lane >= lanes.length
        ? EDGE_WIDTH + lanes.length * LANE_WIDTH + EDGE_WIDTH / 2
        : EDGE_WIDTH + lane * LANE_WIDTH + LANE_WIDTH / 2;
  const width = EDGE_WIDTH * 2 + lanes.length * LANE_WIDTH;
  const height = TOP + Math.max(ladder.rows.length, 1) * ROW_HEIGHT + 12;
  const rowY = (index: number) => TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2;
  return (
    <div>
      <p class="muted small" data-testid="ladder-source">
        {ladder.statesSource === "kernel"
          ? "states from the kernel's tracepoints, packets from tcpdump at each end"
          : ladder.statesSource === "inferred"
            ? `states inferred from packets (?): ${ladder.note ?? ""}`
            : (ladder.note ?? "no trace")}
        {ladder.totalEvents > ladder.shownEvents &&
          ` — the newest ${ladder.shownEvents} of ${ladder.totalEvents} events`}
      </p>
      <div class="ladder-scroll">
        <svg
          class="ladder-svg"
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          data-testid="ladder"
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
          </defs>
          {lanes.map((lane, index) => (
            <g key={lane.service} class="lane">
              <text class="lane-name" x={laneX(index)} y={16}>
                {lane.service}
              </text>
              <text class="lane-address" x={laneX(index)} y={30}>
                {lane.address}
              </text>
              <line x1={laneX(index)} x2={laneX(index)} y1={TOP - 6} y2={height} />
            </g>
          ))}
          {ladder.rows.map((row, index) => (
            <LadderRowShape
              key={`${index}-${row.atNs}`}
              row={row}
              laneName={(lane) => lanes[lane]?.service ?? "edge"}
              y={rowY(index)}
              laneX={laneX}
              rowY={rowY}
            />
          ))}
        </svg>
      </div>
    </div>
  );
}

// data-lane, data-from and data-to name the containers, for readers of the page's markup (its test).
function LadderRowShape({
  row,
  y,
  laneX,
  rowY,
  laneName,
}: {
  row: Row;
  y: number;
  laneX: (lane: number) => number;
  rowY: (index: number) => number;
  laneName: (lane: number) => string;
}) {
  if (row.kind === "state" || row.kind === "note") {
    return (
      <text
        class={`ladder-${row.kind} ${stateClass(row.text)}`}
        x={laneX(row.lane)}
        y={y + 4}
        data-kind={row.kind}
        data-lane={laneName(row.lane)}
      >
        {row.text}
      </text>
    );
  }
  if (row.kind === "arrive") return null;
  const x1 = laneX(row.from);
  const x2 = laneX(row.to);
  const y2 = row.arrivedRow === undefined ? y : rowY(row.arrivedRow);
  return (
    <g class="ladder-send" data-label={row.label} data-from={laneName(row.from)} data-to={laneName(row.to)}>
      <line x1={x1} y1={y} x2={x2} y2={y2} marker-end="url(#arrow)" />
      <text x={(x1 + x2) / 2} y={(y + y2) / 2 - 3}>
        {row.label}
      </text>
    </g>
  );
}
