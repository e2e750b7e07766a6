import type { PacketEvent, Timeline, TraceEvent } from "./trace-event.ts";

/** One lane of the ladder: a traced service, or the edge for peers outside the recording. */
export interface LadderLane {
  service: string;
  address: string;
}

/** What a row of the ladder shows, with lane indexes resolved (-1: the left or right edge). */
export type LadderRow =
  | { kind: "state"; atNs: number; lane: number; text: string }
  | { kind: "note"; atNs: number; lane: number; text: string }
  | { kind: "send"; atNs: number; from: number; to: number; label: string; arrivedRow?: number }
  | { kind: "arrive"; atNs: number; lane: number; sentRow: number };

export interface Ladder {
  lanes: readonly LadderLane[];
  rows: readonly LadderRow[];
  /** Shown under the ladder: where states came from. */
  footnote?: string;
}

/**
 * The timeline as ladder rows: each state change at its lane; each segment as an arrow from the
 * lane that sent it, with the row where the other lane saw it arrive.
 */
export function ladderRows(timeline: Timeline): Ladder {
  const lanes = timeline.ends.map(({ service, address }) => ({ service, address }));
  const laneOf = new Map(lanes.map((lane, index) => [lane.service, index]));
  const laneByAddress = new Map(lanes.map((lane, index) => [lane.address, index]));
  const connections = new Set(timeline.events.map(connectionOf));
  const byPort = connections.size > 1;
  const rows: LadderRow[] = [];
  const unarrived = new Map<string, number[]>();
  for (const event of timeline.events) {
    const lane = laneOf.get(event.end) ?? -1;
    const port = byPort ? ` ${event.local.port}>${event.remote.port}` : "";
    if (event.kind === "packet") {
      addPacket(
        rows,
        unarrived,
        event,
        lane,
        laneByAddress.get(event.remote.address) ?? edgeOf(lane, lanes.length),
      );
    } else if (event.kind === "transition" && event.from === event.to) {
      rows.push({ kind: "note", atNs: event.atNs, lane, text: `still ${event.to}${port}` });
    } else if (event.kind === "transition") {
      const mark = event.inferred ? "?" : "";
      rows.push({ kind: "state", atNs: event.atNs, lane, text: `${event.to}${mark}${port}` });
    } else if (event.kind === "reset") {
      rows.push({ kind: "note", atNs: event.atNs, lane, text: `RST ${event.direction}${port}` });
    } else {
      rows.push({ kind: "note", atNs: event.atNs, lane, text: `retransmit in ${event.state}${port}` });
    }
  }
  const footnote =
    timeline.statesSource === "inferred"
      ? `states marked ? are inferred from packets: ${timeline.inferredBecause ?? "tracefs was out of reach"}`
      : undefined;
  return { lanes, rows, ...(footnote ? { footnote } : {}) };
}

function addPacket(
  rows: LadderRow[],
  unarrived: Map<string, number[]>,
  packet: PacketEvent,
  lane: number,
  remoteLane: number,
): void {
  const key = segmentKey(packet);
  if (packet.direction === "out") {
    rows.push({ kind: "send", atNs: packet.atNs, from: lane, to: remoteLane, label: segmentLabel(packet) });
    unarrived.set(key, [...(unarrived.get(key) ?? []), rows.length - 1]);
    return;
  }
  const sentRow = unarrived.get(key)?.shift();
  const sent = sentRow === undefined ? undefined : rows[sentRow];
  if (sent?.kind === "send" && sentRow !== undefined) {
    sent.arrivedRow = rows.length;
    rows.push({ kind: "arrive", atNs: packet.atNs, lane, sentRow });
    return;
  }
  // Sent from outside the recording: an arrow from that side's edge.
  rows.push({ kind: "send", atNs: packet.atNs, from: remoteLane, to: lane, label: segmentLabel(packet) });
}

function edgeOf(lane: number, laneCount: number): number {
  return lane === laneCount - 1 ? laneCount : -1;
}

function connectionOf(event: TraceEvent): string {
  const [a, b] = [
    `${event.local.address}:${event.local.port}`,
    `${event.remote.address}:${event.remote.port}`,
  ].sort();
  return `${a}-${b}`;
}

// The sender's (source, destination) and the segment's own numbers name it at both ends.
function segmentKey(packet: PacketEvent): string {
  const [src, dst] =
    packet.direction === "out" ? [packet.local, packet.remote] : [packet.remote, packet.local];
  return `${src.address}:${src.port}>${dst.address}:${dst.port} ${packet.flags} ${packet.seq} ${packet.ack} ${packet.lengthBytes}`;
}

/** A segment as tcpdump -S would say it, with relative numbers: `[P.] seq 1:4 ack 1 win 502 len 3`. */
export function segmentLabel(packet: PacketEvent): string {
  const seq = packet.lengthBytes > 0 ? `${packet.seq}:${packet.seq + packet.lengthBytes}` : `${packet.seq}`;
  const ack = packet.flags.includes(".") ? ` ack ${packet.ack}` : "";
  const length = packet.lengthBytes > 0 ? ` len ${packet.lengthBytes}` : "";
  return `[${packet.flags}] seq ${seq}${ack} win ${packet.window}${length}`;
}
