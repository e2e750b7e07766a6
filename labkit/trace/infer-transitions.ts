import type { PacketEvent, TraceState, TransitionEvent } from "./trace-event.ts";

interface EndState {
  state: TraceState;
  /** Our FIN's sequence number plus one, once we sent it: an ACK at or past it acknowledges it. */
  finAckedAt?: number;
}

type Step = (packet: PacketEvent, end: EndState) => TraceState[] | undefined;

const has = (packet: PacketEvent, letter: string) => packet.flags.includes(letter);
const inbound = (packet: PacketEvent) => packet.direction === "in";
const acksOurFin = (packet: PacketEvent, end: EndState) =>
  inbound(packet) && has(packet, ".") && end.finAckedAt !== undefined && packet.ack >= end.finAckedAt;

// RFC 9293's state diagram, as seen at one end from the segments it sends and receives.
const STEPS: Partial<Readonly<Record<TraceState, Step>>> = {
  CLOSE: (p) => (!inbound(p) && p.flags === "S" ? ["SYN_SENT"] : undefined),
  LISTEN: (p) => (!inbound(p) && has(p, "S") && has(p, ".") ? ["SYN_RECV"] : undefined),
  SYN_SENT: (p) => (inbound(p) && has(p, "S") ? [has(p, ".") ? "ESTABLISHED" : "SYN_RECV"] : undefined),
  SYN_RECV: (p) => (inbound(p) && has(p, ".") ? ["ESTABLISHED"] : undefined),
  ESTABLISHED: (p) => (has(p, "F") ? [inbound(p) ? "CLOSE_WAIT" : "FIN_WAIT1"] : undefined),
  FIN_WAIT1: (p, end) => {
    if (inbound(p) && has(p, "F")) return acksOurFin(p, end) ? ["FIN_WAIT2", "TIME_WAIT"] : ["CLOSING"];
    return acksOurFin(p, end) ? ["FIN_WAIT2"] : undefined;
  },
  FIN_WAIT2: (p) => (inbound(p) && has(p, "F") ? ["TIME_WAIT"] : undefined),
  CLOSE_WAIT: (p) => (!inbound(p) && has(p, "F") ? ["LAST_ACK"] : undefined),
  LAST_ACK: (p, end) => (acksOurFin(p, end) ? ["CLOSE"] : undefined),
  CLOSING: (p, end) => (acksOurFin(p, end) ? ["TIME_WAIT"] : undefined),
};

// A reset closes a connection; a listener that refuses a SYN, or a closed port, stays as it was.
function afterReset(state: TraceState): TraceState[] {
  return state === "CLOSE" || state === "LISTEN" ? [] : ["CLOSE"];
}

/**
 * Transitions implied by the packets captured at each end, for when the kernel's tracepoints are
 * out of reach; each is marked `inferred`. Packets must be in time order.
 */
export function inferTransitions(packets: readonly PacketEvent[]): TransitionEvent[] {
  const ends = new Map<string, EndState>();
  const transitions: TransitionEvent[] = [];
  for (const packet of packets) {
    const key = `${packet.end}|${packet.local.address}:${packet.local.port}>${packet.remote.address}:${packet.remote.port}`;
    let end = ends.get(key);
    if (!end || (packet.flags === "S" && end.state !== "CLOSE" && end.state !== "LISTEN")) {
      // A first packet that is an arriving SYN means this end is a listener's.
      end = { state: inbound(packet) && packet.flags === "S" ? "LISTEN" : "CLOSE" };
      ends.set(key, end);
    }
    const next = has(packet, "R") ? afterReset(end.state) : (STEPS[end.state]?.(packet, end) ?? []);
    if (!inbound(packet) && has(packet, "F")) end.finAckedAt = packet.seq + packet.lengthBytes + 1;
    for (const to of next) {
      transitions.push({
        kind: "transition",
        atNs: packet.atNs,
        end: packet.end,
        local: packet.local,
        remote: packet.remote,
        from: end.state,
        to,
        inferred: true,
      });
      end.state = to;
    }
  }
  return transitions;
}
