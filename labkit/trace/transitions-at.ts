import type { Timeline, TraceState, TransitionEvent } from "./trace-event.ts";

/** One end of one connection: the service it is in, narrowed by ports or the peer's address. */
export interface TraceEndMatch {
  service: string;
  localPort?: number;
  remotePort?: number;
  remoteAddress?: string;
}

/** The transitions of one connection at one end, in time order. */
export interface EndTransitions {
  /** `local -> remote`, e.g. `192.168.48.6:53596 -> 192.168.48.3:7`. */
  connection: string;
  states: TraceState[];
  transitions: TransitionEvent[];
}

/** Every connection at `match.service` that fits the match, with its transitions. */
export function transitionsAt(timeline: Timeline, match: TraceEndMatch): EndTransitions[] {
  const byConnection = new Map<string, TransitionEvent[]>();
  for (const event of timeline.events) {
    // The kernel reports close() in CLOSING as CLOSING -> CLOSING: no change of state.
    if (event.kind !== "transition" || event.end !== match.service || event.from === event.to) continue;
    if (match.localPort !== undefined && event.local.port !== match.localPort) continue;
    if (match.remotePort !== undefined && event.remote.port !== match.remotePort) continue;
    if (match.remoteAddress !== undefined && event.remote.address !== match.remoteAddress) continue;
    const connection = `${event.local.address}:${event.local.port} -> ${event.remote.address}:${event.remote.port}`;
    byConnection.set(connection, [...(byConnection.get(connection) ?? []), event]);
  }
  return [...byConnection].map(([connection, transitions]) => ({
    connection,
    states: transitions.map((t) => t.to),
    transitions,
  }));
}

export function describeEnd(match: TraceEndMatch): string {
  const parts = [
    match.localPort !== undefined ? `local port ${match.localPort}` : "",
    match.remotePort !== undefined ? `remote port ${match.remotePort}` : "",
    match.remoteAddress !== undefined ? `peer ${match.remoteAddress}` : "",
  ].filter((part) => part !== "");
  return parts.length > 0 ? `${match.service} (${parts.join(", ")})` : match.service;
}
