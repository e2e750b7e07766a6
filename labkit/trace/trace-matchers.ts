import { expect } from "vitest";
import { renderLadderText } from "./render-ladder-text.ts";
import type { TraceRecorder } from "./start-trace.ts";
import type { Timeline, TraceState } from "./trace-event.ts";
import { describeEnd, transitionsAt, type TraceEndMatch } from "./transitions-at.ts";

interface TraceMatchers<R> {
  /**
   * Exactly one connection at this end, and its transitions are exactly `states` (each the state
   * entered, in order): `expect(trace).toHaveTransitions({ service: "workbench", remotePort: 7 },
   * ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"])`.
   */
  toHaveTransitions(end: TraceEndMatch, states: readonly TraceState[]): R;
}

declare module "vitest" {
  // Merged into vitest 5's own declaration, whose type parameters must be repeated exactly.
  /* eslint-disable @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars */
  interface Matchers<
    R extends void | Promise<void> = void | Promise<void>,
    T = unknown,
  > extends TraceMatchers<R> {}
  /* eslint-enable @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars */
}

function timelineOf(received: TraceRecorder | Timeline): Timeline {
  return "timeline" in received ? received.timeline() : received;
}

expect.extend({
  toHaveTransitions(received: TraceRecorder | Timeline, end: TraceEndMatch, states: readonly TraceState[]) {
    const timeline = timelineOf(received);
    const found = transitionsAt(timeline, end);
    const where = describeEnd(end);
    const ladder = () => `\nthe ladder was:\n${renderLadderText(timeline)}`;
    if (found.length === 0 && states.length === 0) {
      return { pass: true, message: () => `expected transitions at ${where}; there were none${ladder()}` };
    }
    if (found.length !== 1) {
      const seen = found.map((f) => `  ${f.connection}: ${f.states.join(" ")}`).join("\n");
      return {
        pass: false,
        message: () =>
          found.length === 0
            ? `expected transitions at ${where}; there were none${ladder()}`
            : `expected one connection at ${where}; there were ${found.length} (name a port):\n${seen}`,
      };
    }
    const [only] = found;
    const got = only?.states ?? [];
    const pass = got.length === states.length && got.every((state, i) => state === states[i]);
    const source = timeline.statesSource === "inferred" ? " (inferred from packets)" : "";
    return {
      pass,
      message: () =>
        `expected ${where} ${only?.connection ?? ""} ${pass ? "not " : ""}to go through ${states.join(" ")}; it went through ${got.join(" ")}${source}${ladder()}`,
    };
  },
});
