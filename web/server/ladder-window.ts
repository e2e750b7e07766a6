import { ladderRows } from "../../labkit/trace/ladder-rows.ts";
import type { Timeline } from "../../labkit/trace/trace-event.ts";
import type { LadderEvent } from "./page-events.ts";

/**
 * The ladder of the newest `maxEvents` events of a recording, drawn by the trace's own ladder model,
 * with a lane for each container those events happened in (the workbench, where the clients are,
 * first): an echo is two lanes side by side, not two of five.
 */
export function ladderWindow(timeline: Timeline, maxEvents: number): LadderEvent {
  const events = timeline.events.slice(-maxEvents);
  const ladder = ladderRows({ ...timeline, ends: lanesOf(timeline, events), events });
  return {
    ...ladder,
    statesSource: timeline.statesSource,
    ...(timeline.inferredBecause ? { note: timeline.inferredBecause } : {}),
    totalEvents: timeline.events.length + (timeline.droppedEvents ?? 0),
    shownEvents: events.length,
  };
}

function lanesOf(timeline: Timeline, events: Timeline["events"]): Timeline["ends"] {
  const active = new Set(events.map((event) => event.end));
  const ends = active.size === 0 ? timeline.ends : timeline.ends.filter((end) => active.has(end.service));
  return [...ends].sort((a, b) => Number(b.service === "workbench") - Number(a.service === "workbench"));
}
