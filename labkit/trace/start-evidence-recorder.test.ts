import { describe, expect, it } from "vitest";
import { lastConnections } from "./start-evidence-recorder.ts";
import { recordedTimeline } from "./testing/recorded-timeline.ts";

const timeline = recordedTimeline();
const remotePortsOf = (events: typeof timeline.events) =>
  [...new Set(events.filter((e) => e.end === "workbench").map((e) => e.remote.port))].sort();

describe("lastConnections (what an evidence folder shows)", () => {
  it("keeps every event of every connection since the start when they fit", () => {
    expect(lastConnections(timeline, 0, 16).events).toEqual(timeline.events);
  });

  it("keeps only the last connections, both ends of each", () => {
    const last = lastConnections(timeline, 0, 1).events;
    // The recording's last connection: a socket to port 7 closed by a RST (no FIN, no data).
    expect(remotePortsOf(last)).toEqual([7]);
    expect(new Set(last.map((e) => e.end))).toEqual(new Set(["workbench", "tcp-echo"]));
    expect(last.some((e) => e.kind === "reset")).toBe(true);
    expect(last.some((e) => e.kind === "packet" && e.flags.includes("F"))).toBe(false);
    expect(last.some((e) => e.kind === "packet" && e.remote.port === 9)).toBe(false);
  });

  it("keeps only what happened since the mark", () => {
    const refused = timeline.events.find((e) => e.kind === "packet" && e.remote.port === 9);
    const since = lastConnections(timeline, refused?.atNs ?? 0, 16).events;
    expect(since[0]).toBe(refused);
    expect(remotePortsOf(since)).toEqual([7, 9]);
    expect(since.some((e) => e.kind === "packet" && e.flags === "P.")).toBe(false);
  });
});
