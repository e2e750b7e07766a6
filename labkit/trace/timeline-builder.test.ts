import { ECHO_ENDS, echoSegment } from "./testing/echo-segments.ts";
import { describe, expect, it } from "vitest";
import { readRecording, recordedTimeline } from "./testing/recorded-timeline.ts";
import { TimelineBuilder } from "./timeline-builder.ts";
import { transitionsAt } from "./transitions-at.ts";

describe("TimelineBuilder on a recorded echo, resets and all", () => {
  const timeline = recordedTimeline();
  const { workbench } = readRecording().addresses;

  it("gives the client its whole sequence, the timewait handover named TIME_WAIT", () => {
    const [client] = transitionsAt(timeline, { service: "workbench", localPort: 53596 });
    expect(client?.states).toEqual(["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]);
    expect(client?.transitions.at(-1)).toMatchObject({ from: "FIN_WAIT2", kernelTo: "CLOSE" });
    expect(client?.connection).toBe(`${workbench}:53596 -> ${readRecording().addresses["tcp-echo"]}:7`);
  });

  it("gives the server its whole sequence, from the listener's clone to the last ACK", () => {
    const [server] = transitionsAt(timeline, { service: "tcp-echo", remotePort: 53596 });
    expect(server?.states).toEqual(["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"]);
  });

  it("puts the SYN_SENT transition before the SYN leaves, and ESTABLISHED after the SYN-ACK arrives", () => {
    const client = timeline.events.filter((e) => e.end === "workbench" && e.local.port === 53596).slice(0, 5);
    expect(
      client.map((e) =>
        e.kind === "packet" ? `${e.direction} ${e.flags}` : e.kind === "transition" ? e.to : e.kind,
      ),
    ).toEqual(["SYN_SENT", "out S", "in S.", "ESTABLISHED", "out ."]);
  });

  it("numbers each direction from its SYN, as tcpdump's relative numbers", () => {
    const sent = timeline.events.filter(
      (e) => e.kind === "packet" && e.end === "workbench" && e.direction === "out" && e.local.port === 53596,
    );
    expect(sent.map((e) => (e.kind === "packet" ? [e.flags, e.seq, e.ack, e.lengthBytes] : []))).toEqual([
      ["S", 0, 0, 0],
      [".", 1, 1, 0],
      ["P.", 1, 1, 3],
      [".", 4, 4, 0],
      ["F.", 4, 4, 0],
      [".", 5, 5, 0],
    ]);
  });

  it("keeps every record of the lab's ends and drops those of other namespaces", () => {
    const recording = readRecording();
    const builder = new TimelineBuilder({
      ends: [{ service: "workbench", address: recording.addresses.workbench }],
      originRealtimeNs: 0n,
      statesSource: "kernel",
    });
    const kept = recording.kernelRecords.filter((r) => builder.addKernelRecord(r) !== undefined);
    expect(kept.every((r) => r.local.address === recording.addresses.workbench)).toBe(true);
    expect(kept.length).toBeGreaterThan(0);
    expect(builder.eventCount).toBe(kept.length);
  });

  it("keeps only connections with the port asked for", () => {
    const filtered = recordedTimeline({ port: 9 });
    expect(filtered.events.length).toBeGreaterThan(0);
    expect(filtered.events.every((e) => e.local.port === 9 || e.remote.port === 9)).toBe(true);
  });

  it("keeps only connections with the peer asked for, by service name", () => {
    expect(recordedTimeline({ peer: "tcp-echo" }).events).toHaveLength(timeline.events.length);
    expect(recordedTimeline({ peer: "chat" }).events).toHaveLength(0);
  });
});

describe("TimelineBuilder with keepEvents, as a live view records for hours", () => {
  const KEEP = 500;
  const RECORDED = 10_000;
  const segment = echoSegment;
  const boundedBuilder = () =>
    new TimelineBuilder({
      ends: [...ECHO_ENDS],
      originRealtimeNs: 0n,
      statesSource: "kernel",
      keepEvents: KEEP,
    });

  it("holds at most a quarter over the bound while recording, and exactly the newest when read", () => {
    const builder = boundedBuilder();
    let mostHeld = 0;
    for (let index = 0; index < RECORDED; index++) {
      builder.addSegment("workbench", segment(index));
      mostHeld = Math.max(mostHeld, builder.keptEventCount);
    }
    const timeline = builder.timeline();
    expect(timeline.events).toHaveLength(KEEP);
    expect(timeline.droppedEvents).toBe(RECORDED - KEEP);
    expect(builder.eventCount).toBe(RECORDED);
    expect(mostHeld).toBeLessThanOrEqual(KEEP + KEEP / 4 + 1);
    expect(mostHeld).toBeGreaterThan(KEEP);
    expect(timeline.events.at(-1)?.atNs).toBe((RECORDED - 1) * 1_000_000);
    expect(timeline.events[0]?.atNs).toBe((RECORDED - KEEP) * 1_000_000);
  });

  it("drops nothing below the bound, and says nothing of drops then", () => {
    const builder = boundedBuilder();
    for (let index = 0; index < KEEP; index++) builder.addSegment("workbench", segment(index));
    expect(builder.timeline().events).toHaveLength(KEEP);
    expect(builder.timeline()).not.toHaveProperty("droppedEvents");
  });
});
