import { describe, expect, it } from "vitest";
import { renderLadderSvg } from "./render-ladder-svg.ts";
import { renderLadderText } from "./render-ladder-text.ts";
import { recordedTimeline } from "./testing/recorded-timeline.ts";

describe("the ladder of a recorded echo", () => {
  const echoOnly = recordedTimeline({ peer: "tcp-echo" });
  const firstConnection = { ...echoOnly, events: echoOnly.events.filter((e) => e.atNs < 100_000_000) };

  it("writes one column per service, states where they change and arrows with flags and numbers", async () => {
    const text = renderLadderText(firstConnection);
    await expect(text).toMatchFileSnapshot("fixtures/echo.ladder.txt");
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/workbench 192\.168\.48\.6 +tcp-echo 192\.168\.48\.3/);
    expect(lines.filter((line) => line.includes("■")).map((line) => /■ (\S+)/.exec(line)?.[1])).toEqual([
      "SYN_SENT",
      "ESTABLISHED",
      "SYN_RECV",
      "ESTABLISHED",
      "FIN_WAIT1",
      "CLOSE_WAIT",
      "LAST_ACK",
      "FIN_WAIT2",
      "TIME_WAIT",
      "CLOSE",
    ]);
    expect(text).toContain("│─ [S] seq 0 win 64240");
    expect(text).toContain("◀─ [S.] seq 0 ack 1 win 65160");
  });

  it("names each connection's ports when there are several", () => {
    expect(renderLadderText(echoOnly)).toContain("■ SYN_SENT 48290>9");
  });

  it("says under the ladder that states are inferred, and marks each one", () => {
    const text = renderLadderText(recordedTimeline({ statesSource: "inferred", packets: true }));
    expect(text).toContain("states marked ? are inferred from packets");
  });

  it("draws the same ladder as SVG: a line per service, an arrow per segment, a box per state", async () => {
    const svg = renderLadderSvg(firstConnection);
    await expect(svg).toMatchFileSnapshot("fixtures/echo.ladder.svg");
    const packetsSent = firstConnection.events.filter((e) => e.kind === "packet" && e.direction === "out");
    const transitions = firstConnection.events.filter((e) => e.kind === "transition");
    expect(svg.match(/marker-end=/g)).toHaveLength(packetsSent.length);
    expect(svg.match(/<rect x=/g)).toHaveLength(transitions.length);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
  });
});
