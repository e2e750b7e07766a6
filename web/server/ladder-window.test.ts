import { describe, expect, it } from "vitest";
import type { PacketEvent, Timeline } from "../../labkit/trace/trace-event.ts";
import { ladderWindow } from "./ladder-window.ts";
import { WEB_LIMITS } from "./web-limits.ts";

const packet = (index: number): PacketEvent => ({
  kind: "packet",
  atNs: index * 1_000,
  end: "workbench",
  local: { address: "10.9.0.2", port: 40_000 },
  remote: { address: "10.9.0.3", port: 7 },
  direction: "out",
  flags: ".",
  seq: index,
  ack: 1,
  lengthBytes: 0,
  window: 64_240,
});

const timeline = (events: number, droppedEvents?: number): Timeline => ({
  statesSource: "kernel",
  startedAt: "2026-12-06T00:00:00.000000000Z",
  ends: [
    { service: "workbench", address: "10.9.0.2" },
    { service: "tcp-echo", address: "10.9.0.3" },
  ],
  events: Array.from({ length: events }, (_, index) => packet(index)),
  ...(droppedEvents === undefined ? {} : { droppedEvents }),
});

describe("ladderWindow, what a page is sent of the recording", () => {
  it("sends the newest events only, however many the recording holds", () => {
    const held = WEB_LIMITS.traceKeptEvents;
    const window = ladderWindow(timeline(held, 50_000), WEB_LIMITS.ladderMaxEvents);
    expect(window.shownEvents).toBe(WEB_LIMITS.ladderMaxEvents);
    expect(window.rows).toHaveLength(WEB_LIMITS.ladderMaxEvents);
    expect(window.rows.at(-1)).toMatchObject({ kind: "send", atNs: (held - 1) * 1_000 });
    // The page says how many were recorded, those the trace no longer keeps included.
    expect(window.totalEvents).toBe(held + 50_000);
  });

  it("sends every event of a short recording", () => {
    const window = ladderWindow(timeline(12), WEB_LIMITS.ladderMaxEvents);
    expect([window.shownEvents, window.totalEvents, window.rows.length]).toEqual([12, 12, 12]);
  });
});

describe("ladderWindow's lanes", () => {
  const ends = ["chat", "file-transfer", "tcp-echo", "udp-echo", "workbench"].map((service, index) => ({
    service,
    address: `10.9.0.${index + 2}`,
  }));
  const echo = (end: string, atNs: number): PacketEvent => ({
    ...packet(atNs),
    end,
    local: {
      address: ends.find((e) => e.service === end)?.address ?? "",
      port: end === "workbench" ? 40_000 : 7,
    },
    remote: {
      address:
        ends.find((e) => e.service === (end === "workbench" ? "tcp-echo" : "workbench"))?.address ?? "",
      port: end === "workbench" ? 7 : 40_000,
    },
  });

  it("has a lane for each container the shown events happened in, the workbench first", () => {
    const events = [echo("workbench", 1), echo("tcp-echo", 2)];
    const window = ladderWindow({ ...timeline(0), ends, events }, WEB_LIMITS.ladderMaxEvents);
    expect(window.lanes.map((lane) => lane.service)).toEqual(["workbench", "tcp-echo"]);
    // The workbench's segment goes to the tcp-echo lane, not to an edge.
    expect(window.rows[0]).toMatchObject({ kind: "send", from: 0, to: 1 });
  });

  it("shows every container's lane before anything happened", () => {
    const window = ladderWindow({ ...timeline(0), ends }, WEB_LIMITS.ladderMaxEvents);
    expect(window.lanes.map((lane) => lane.service)).toEqual([
      "workbench",
      "chat",
      "file-transfer",
      "tcp-echo",
      "udp-echo",
    ]);
  });
});
