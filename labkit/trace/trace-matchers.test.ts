import { describe, expect, it } from "vitest";
import { recordedTimeline } from "./testing/recorded-timeline.ts";
import "./trace-matchers.ts";

const CLIENT = ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"] as const;

describe("toHaveTransitions", () => {
  const timeline = recordedTimeline();

  it("passes on the exact sequence at one end of one connection", () => {
    expect(timeline).toHaveTransitions({ service: "workbench", localPort: 53596 }, [...CLIENT]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: 48290 }, []);
  });

  it("fails on a sequence with a state missing, and shows what happened and the ladder", () => {
    expect(() =>
      expect(timeline).toHaveTransitions({ service: "workbench", localPort: 53596 }, [
        "SYN_SENT",
        "ESTABLISHED",
        "TIME_WAIT",
      ]),
    ).toThrow(/went through SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT\nthe ladder was:\n/);
  });

  it("fails when the end names several connections, listing them", () => {
    expect(() =>
      expect(timeline).toHaveTransitions({ service: "workbench", remotePort: 7 }, [...CLIENT]),
    ).toThrow(/there were 2 \(name a port\)/);
  });
});

describe("toHaveTransitions on a state the kernel reports again", () => {
  it("skips a transition into the state the socket was already in (close() in CLOSING)", () => {
    const timeline = recordedTimeline();
    const repeated = timeline.events.map((event) =>
      event.kind === "transition" && event.local.port === 53596 && event.to === "FIN_WAIT2"
        ? [event, { ...event, from: "FIN_WAIT2" as const }]
        : [event],
    );
    const withRepeat = { ...timeline, events: repeated.flat() };
    expect(withRepeat).toHaveTransitions({ service: "workbench", localPort: 53596 }, [...CLIENT]);
  });
});
