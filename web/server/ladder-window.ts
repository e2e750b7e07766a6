import { ladderRows } from "../../labkit/trace/ladder-rows.ts";
import type { Timeline } from "../../labkit/trace/trace-event.ts";
import type { LadderEvent } from "./page-events.ts";

/** The ladder of the newest `maxEvents` events of a recording, drawn by the trace's own ladder model. */
export function ladderWindow(timeline: Timeline, maxEvents: number): LadderEvent {
  const events = timeline.events.slice(-maxEvents);
  const ladder = ladderRows({ ...timeline, events });
  return {
    ...ladder,
    statesSource: timeline.statesSource,
    ...(timeline.inferredBecause ? { note: timeline.inferredBecause } : {}),
    totalEvents: timeline.events.length + (timeline.droppedEvents ?? 0),
    shownEvents: events.length,
  };
}
