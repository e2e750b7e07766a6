import type { CapturedSegment } from "./pcap-decoder.ts";
import type {
  KernelRecord,
  PacketEvent,
  SocketAddress,
  StatesSource,
  Timeline,
  TraceEvent,
} from "./trace-event.ts";

export interface TraceEnd {
  service: string;
  /** The service's address on the lab network: events are placed by it. */
  address: string;
}

export interface TimelineBuilderOptions {
  ends: readonly TraceEnd[];
  /** CLOCK_REALTIME of `atNs: 0`. */
  originRealtimeNs: bigint;
  /** CLOCK_TAI minus CLOCK_REALTIME, in nanoseconds (a whole number of seconds). */
  taiOffsetNs?: bigint;
  /** Only connections with this port at either end. */
  port?: number;
  /** Only connections with this address (or service) at the other end. */
  peer?: string;
  statesSource: StatesSource;
  inferredBecause?: string;
  /** Keep only the newest this many events, for a view that runs for hours (socklab web); all by default. */
  keepEvents?: number;
}

/**
 * Places kernel records and captured segments of the lab's ends on one clock (CLOCK_REALTIME, as
 * nanoseconds since the start), drops everything of other namespaces, and keeps every event (or,
 * with `keepEvents`, the newest ones: its memory is then bounded however long it records).
 */
export class TimelineBuilder {
  readonly #options: TimelineBuilderOptions;
  readonly #serviceByAddress: ReadonlyMap<string, string>;
  readonly #events: TraceEvent[] = [];
  // The first sequence number seen per direction (`src>dst`), for relative seq/ack as tcpdump shows.
  readonly #firstSeqByDirection = new Map<string, number>();
  // connect() reports SYN_SENT before the kernel picks the local port: those wait here for it.
  readonly #portlessByRoute = new Map<string, TraceEvent[]>();
  #sorted = true;
  #droppedEvents = 0;

  constructor(options: TimelineBuilderOptions) {
    this.#options = options;
    this.#serviceByAddress = new Map(options.ends.map((end) => [end.address, end.service]));
  }

  /** Events recorded so far, those dropped by `keepEvents` included. */
  get eventCount(): number {
    return this.#events.length + this.#droppedEvents;
  }

  /** Events held now: with `keepEvents`, at most a quarter over it between two reads of the timeline. */
  get keptEventCount(): number {
    return this.#events.length;
  }

  /** A kernel record of one of the lab's sockets becomes an event; any other gives undefined. */
  addKernelRecord(record: KernelRecord): TraceEvent | undefined {
    const end = this.#serviceByAddress.get(record.local.address);
    if (end === undefined || !this.#wanted(record.local, record.remote)) return undefined;
    const atNs = Number(record.taiNs - (this.#options.taiOffsetNs ?? 0n) - this.#options.originRealtimeNs);
    const base = { atNs, end, local: record.local, remote: record.remote };
    const route = `${record.local.address}>${record.remote.address}:${record.remote.port}`;
    if (record.kind === "transition" && record.from === "SYN_SENT") this.#givePort(route, record.local.port);
    const event: TraceEvent =
      record.kind === "transition"
        ? { kind: "transition", ...base, from: record.from, to: record.to, inferred: false }
        : record.kind === "reset"
          ? {
              kind: "reset",
              ...base,
              direction: record.direction,
              ...(record.state ? { state: record.state } : {}),
            }
          : { kind: "retransmit", ...base, state: record.state };
    if (record.local.port === 0) {
      event.local = { ...record.local };
      this.#portlessByRoute.set(route, [...(this.#portlessByRoute.get(route) ?? []), event]);
    }
    return this.#push(event);
  }

  /** A segment captured in `service`'s namespace becomes a packet event, leaving or arriving. */
  addSegment(service: string, segment: CapturedSegment): PacketEvent | undefined {
    const outgoing = this.#serviceByAddress.get(segment.src.address) === service;
    if (!outgoing && this.#serviceByAddress.get(segment.dst.address) !== service) return undefined;
    if (!this.#wanted(segment.src, segment.dst)) return undefined;
    const [local, remote] = outgoing ? [segment.src, segment.dst] : [segment.dst, segment.src];
    const event: PacketEvent = {
      kind: "packet",
      atNs: Number(segment.realtimeNs - this.#options.originRealtimeNs),
      end: service,
      local,
      remote,
      direction: outgoing ? "out" : "in",
      flags: segment.flags,
      seq: this.#relative(segment.src, segment.dst, segment.seq, segment.flags.includes("S")),
      ack: segment.flags.includes(".") ? this.#relative(segment.dst, segment.src, segment.ack, false) : 0,
      lengthBytes: segment.lengthBytes,
      window: segment.window,
    };
    return this.#push(event);
  }

  /** Adds events made elsewhere (states inferred from packets). */
  addEvents(events: readonly TraceEvent[]): void {
    for (const event of events) this.#push(event);
  }

  timeline(): Timeline {
    this.#sort();
    if (this.#options.keepEvents !== undefined) this.#dropOldest(this.#options.keepEvents);
    nameTimeWaitHandovers(this.#events);
    return {
      statesSource: this.#options.statesSource,
      ...(this.#options.inferredBecause ? { inferredBecause: this.#options.inferredBecause } : {}),
      ...(this.#droppedEvents > 0 ? { droppedEvents: this.#droppedEvents } : {}),
      startedAt: isoWithNanoseconds(this.#options.originRealtimeNs),
      ends: this.#options.ends.map(({ service, address }) => ({ service, address })),
      events: this.#events,
    };
  }

  #push<T extends TraceEvent>(event: T): T {
    const last = this.#events.at(-1);
    if (last && compareEvents(last, event) > 0) this.#sorted = false;
    this.#events.push(event);
    const keep = this.#options.keepEvents;
    // Dropped in batches (a quarter over the bound), so that each push stays cheap.
    if (keep !== undefined && this.#events.length > keep + Math.max(1, Math.floor(keep / 4))) {
      this.#sort();
      this.#dropOldest(keep);
    }
    return event;
  }

  #sort(): void {
    if (this.#sorted) return;
    this.#events.sort(compareEvents);
    this.#sorted = true;
  }

  // The events are sorted. The oldest directions' first sequence numbers go too: a connection still
  // open that long is numbered afresh from its next segment.
  #dropOldest(keep: number): void {
    const excess = this.#events.length - keep;
    if (excess <= 0) return;
    this.#events.splice(0, excess);
    this.#droppedEvents += excess;
    for (const key of this.#firstSeqByDirection.keys()) {
      if (this.#firstSeqByDirection.size <= keep) break;
      this.#firstSeqByDirection.delete(key);
    }
  }

  #givePort(route: string, port: number): void {
    const waiting = this.#portlessByRoute.get(route);
    const first = waiting?.shift();
    if (first) first.local = { ...first.local, port };
    if (waiting?.length === 0) this.#portlessByRoute.delete(route);
  }

  #wanted(local: SocketAddress, remote: SocketAddress): boolean {
    const { port, peer } = this.#options;
    if (port !== undefined && local.port !== port && remote.port !== port) return false;
    if (peer === undefined) return true;
    return [local, remote].some(
      (side) => side.address === peer || this.#serviceByAddress.get(side.address) === peer,
    );
  }

  #relative(src: SocketAddress, dst: SocketAddress, absolute: number, isSyn: boolean): number {
    const key = `${src.address}:${src.port}>${dst.address}:${dst.port}`;
    let first = this.#firstSeqByDirection.get(key);
    // A new SYN starts a new connection on a reused 4-tuple.
    if (first === undefined || (isSyn && absolute !== first)) {
      first = absolute;
      this.#firstSeqByDirection.set(key, first);
    }
    return (absolute - first) >>> 0;
  }
}

// A socket in FIN_WAIT2 or CLOSING that gets the peer's FIN (and no reset) becomes a timewait
// socket; the tracepoint says CLOSE, the socket tables say TIME_WAIT.
function nameTimeWaitHandovers(events: TraceEvent[]): void {
  const finReceived = new Set<string>();
  const reset = new Set<string>();
  for (const event of events) {
    const key = endKey(event);
    if (event.kind === "packet" && event.direction === "in" && event.flags.includes("F"))
      finReceived.add(key);
    else if (event.kind === "reset") reset.add(key);
    else if (
      event.kind === "transition" &&
      event.to === "CLOSE" &&
      (event.from === "FIN_WAIT2" || event.from === "CLOSING") &&
      finReceived.has(key) &&
      !reset.has(key)
    ) {
      event.kernelTo = "CLOSE";
      event.to = "TIME_WAIT";
    }
  }
}

function endKey(event: TraceEvent): string {
  return `${event.end}|${event.local.address}:${event.local.port}>${event.remote.address}:${event.remote.port}`;
}

// The kernel's text timestamps are whole microseconds: within one microsecond an arriving packet
// comes before a transition (the kernel stamps it before TCP reads it) and a leaving one after.
const RANK_IN_MICROSECOND: Readonly<Record<TraceEvent["kind"] | "in" | "out", number>> = {
  in: 0,
  transition: 1,
  reset: 1,
  retransmit: 1,
  out: 2,
  packet: 2,
};

/** Orders events on the one clock (see RANK_IN_MICROSECOND for events within one microsecond). */
export function compareEvents(a: TraceEvent, b: TraceEvent): number {
  const microsecond = Math.floor(a.atNs / 1_000) - Math.floor(b.atNs / 1_000);
  if (microsecond !== 0) return microsecond;
  const rank = rankOf(a) - rankOf(b);
  return rank !== 0 ? rank : a.atNs - b.atNs;
}

function rankOf(event: TraceEvent): number {
  return RANK_IN_MICROSECOND[event.kind === "packet" ? event.direction : event.kind];
}

function isoWithNanoseconds(realtimeNs: bigint): string {
  const ms = realtimeNs / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  const nanos = (realtimeNs % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${nanos}Z`;
}
