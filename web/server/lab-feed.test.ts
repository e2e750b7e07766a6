import { describe, expect, it } from "vitest";
import type { TraceRecorder } from "../../labkit/trace/start-trace.ts";
import { TimelineBuilder } from "../../labkit/trace/timeline-builder.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { ECHO_ENDS, echoSegment } from "../../labkit/trace/testing/echo-segments.ts";
import { LabFeed, type WebLab, type WebTourStep } from "./lab-feed.ts";
import type { PageEvents } from "./page-events.ts";
import { WEB_LIMITS } from "./web-limits.ts";

const ENDS = [...ECHO_ENDS];
// A segment leaving the workbench, a new connection every 4 (the trace's own builder places it).
const segment = echoSegment;

// The lab's reads answer at once; the trace is the trace's own TimelineBuilder, fed by the test.
function labWith(builder: (keepEvents: number) => TimelineBuilder, tourSteps: WebTourStep[] = []): WebLab {
  return {
    projectName: "bounded",
    readServices: () =>
      Promise.resolve(
        ENDS.map(({ service, address }, index) => ({
          service,
          container: `c${index}`,
          state: "running",
          health: "",
          addresses: [address],
          networks: ["bounded_labnet"],
          ports: [],
        })),
      ),
    readSockets: () => Promise.resolve({ name: "", entries: [], readAt: new Date() }),
    startTrace: (_, { keepEvents }) => {
      const built = builder(keepEvents);
      return Promise.resolve({
        timeline: () => built.timeline(),
        stop: () => Promise.resolve(built.timeline()),
      } as unknown as TraceRecorder);
    },
    applyFault: () => Promise.reject(new Error("no faults here")),
    clearFaults: () => Promise.resolve(),
    listFaults: () => Promise.resolve([]),
    tourSteps,
  };
}

function collect() {
  const events: { name: string; data: unknown }[] = [];
  const last = <N extends keyof PageEvents>(name: N) =>
    events.findLast((e) => e.name === name)?.data as PageEvents[N] | undefined;
  return { send: (name: string, data: unknown) => events.push({ name, data }), last };
}

describe("LabFeed's memory while a page is open", () => {
  it("asks the trace to keep a bounded number of events, and the ladder goes on past the bound", async () => {
    let builder: TimelineBuilder | undefined;
    const feed = new LabFeed(
      labWith((keepEvents) => {
        builder = new TimelineBuilder({
          ends: ENDS,
          originRealtimeNs: 0n,
          statesSource: "kernel",
          keepEvents,
        });
        return builder;
      }),
    );
    const page = collect();
    await feed.openPage(page.send);
    const trace = await waitFor(() => builder, { timeoutMs: 5_000, what: "the trace to start" });
    const recorded = WEB_LIMITS.traceKeptEvents * 3;
    let mostKept = 0;
    for (let index = 0; index < recorded; index++) {
      trace.addSegment("workbench", segment(index));
      mostKept = Math.max(mostKept, trace.keptEventCount);
    }
    expect(mostKept).toBeLessThanOrEqual(WEB_LIMITS.traceKeptEvents * 1.25 + 1);
    const ladder = await waitFor(
      () => (page.last("ladder")?.totalEvents === recorded ? page.last("ladder") : undefined),
      {
        timeoutMs: 5_000,
        what: `a ladder of ${recorded} events`,
      },
    );
    expect(ladder.shownEvents).toBe(WEB_LIMITS.ladderMaxEvents);
    expect(ladder.rows).toHaveLength(WEB_LIMITS.ladderMaxEvents);
    // The kept events stay as many past the bound: newer ones still reach the page.
    for (let index = recorded; index < recorded + 10; index++) trace.addSegment("workbench", segment(index));
    await waitFor(() => (page.last("ladder")?.totalEvents === recorded + 10 ? true : undefined), {
      timeoutMs: 5_000,
      what: "the ladder after ten more events",
    });
    expect(trace.timeline().events).toHaveLength(WEB_LIMITS.traceKeptEvents);
    await feed.close();
  });

  it("keeps the newest lines of a tour step's output only", async () => {
    const said = WEB_LIMITS.tourMaxLines * 5;
    const step: WebTourStep = {
      key: "chatty",
      title: "a chatty step",
      services: [],
      run: (context) => {
        for (let line = 0; line < said; line++) context.say(`line ${line}`);
        return Promise.resolve();
      },
    };
    const feed = new LabFeed(
      labWith(
        (keepEvents) =>
          new TimelineBuilder({ ends: ENDS, originRealtimeNs: 0n, statesSource: "kernel", keepEvents }),
        [step],
      ),
    );
    const page = collect();
    const pageId = await feed.openPage(page.send);
    await feed.runTourStep(pageId, "chatty");
    const tour = await waitFor(() => (page.last("tour")?.status === "done" ? page.last("tour") : undefined), {
      timeoutMs: 5_000,
      what: "the step to end",
    });
    expect(tour.lines).toHaveLength(WEB_LIMITS.tourMaxLines);
    expect(tour.lines.at(-1)).toBe(`line ${said - 1}`);
    expect(tour.lines[0]).toBe(`line ${said - WEB_LIMITS.tourMaxLines}`);
    await feed.close();
  });
});
