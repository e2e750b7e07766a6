import { describe, expect, it } from "vitest";
import { recordedTimeline } from "./testing/recorded-timeline.ts";
import { inferTransitions } from "./infer-transitions.ts";
import type { PacketEvent, TraceState } from "./trace-event.ts";
import { transitionsAt } from "./transitions-at.ts";

describe("inferTransitions from the packets of a recorded echo", () => {
  const packets = recordedTimeline({ statesSource: "inferred" }).events.filter(
    (e): e is PacketEvent => e.kind === "packet",
  );
  const inferred = inferTransitions(packets);
  const kernel = recordedTimeline();
  const timeline = { ...kernel, statesSource: "inferred" as const, events: inferred };
  const states = (service: string, remotePort: number): TraceState[] =>
    transitionsAt(timeline, { service, remotePort })[0]?.states ?? [];

  it("finds the same sequences as the kernel for the echo's client and server", () => {
    const client = transitionsAt(timeline, { service: "workbench", localPort: 53596 })[0]?.states;
    expect(client).toEqual(transitionsAt(kernel, { service: "workbench", localPort: 53596 })[0]?.states);
    expect(states("tcp-echo", 53596)).toEqual(["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"]);
  });

  it("closes a connection on a reset, and leaves a closed port's refusal as no transition", () => {
    expect(states("workbench", 9)).toEqual(["SYN_SENT", "CLOSE"]);
    expect(transitionsAt(timeline, { service: "tcp-echo", localPort: 9 })).toEqual([]);
    expect(states("tcp-echo", 53606)).toEqual(["SYN_RECV", "ESTABLISHED", "CLOSE"]);
  });

  it("marks every transition as inferred", () => {
    expect(inferred.length).toBeGreaterThan(0);
    expect(inferred.every((t) => t.inferred)).toBe(true);
  });
});
