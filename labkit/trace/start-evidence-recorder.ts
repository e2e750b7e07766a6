import { startTrace, type TracedLab, type TraceOptions } from "./start-trace.ts";
import type { Timeline, TraceEvent } from "./trace-event.ts";
import { writeEvidenceFolder, type EvidenceFiles } from "./write-trace-evidence.ts";

export type { EvidenceFiles };

export interface EvidenceRecorderOptions {
  /** The services whose ends are recorded: both ends of the connections a test makes. */
  services: readonly string[];
  /** Only connections with this port at either end. */
  port?: number;
  /** The connections a written ladder shows at most: the last ones since the mark. */
  maxConnections?: number;
  /** Each service's capture keeps at most this many bytes of its last packets. */
  maxPcapBytesPerService?: number;
  /** The trace keeps at most this many of its newest events, however long the file runs. */
  maxEvents?: number;
  helperImage?: string;
}

/**
 * A trace that runs through many tests at little cost (its newest events and a bounded ring of
 * packets in memory, nothing on disk) and writes evidence only when asked: `mark()` where a test begins,
 * `write(folder)` if it failed.
 */
export interface EvidenceRecorder extends AsyncDisposable {
  /** Where the next test begins: a later `write()` shows only what happened after it. */
  mark(): void;
  /**
   * Writes the ladder (text and SVG) of the last connections since the mark, the timeline as JSON
   * lines, the traced services' socket tables as they are now, and each one's pcap since the mark.
   */
  write(folder: string): Promise<EvidenceFiles>;
  stop(): Promise<void>;
}

const DEFAULT_MAX_CONNECTIONS = 16;
const DEFAULT_MAX_PCAP_BYTES = 4 * 1024 * 1024;
// Far more than the last 16 connections need (about 30 events each), and a few MB of memory at most.
const DEFAULT_MAX_EVENTS = 20_000;

/** Starts recording `options.services` for evidence: states from the kernel where it can, packets kept in a ring. */
export async function startEvidenceRecorder(
  lab: TracedLab,
  options: EvidenceRecorderOptions,
): Promise<EvidenceRecorder> {
  const traceOptions: TraceOptions = {
    services: options.services,
    states: "auto",
    keepPcap: options.maxPcapBytesPerService ?? DEFAULT_MAX_PCAP_BYTES,
    keepEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.helperImage !== undefined ? { helperImage: options.helperImage } : {}),
  };
  const trace = await startTrace(lab, traceOptions);
  const startedRealtimeNs = BigInt(Date.parse(trace.timeline().startedAt)) * 1_000_000n;
  let markRealtimeNs = startedRealtimeNs;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  return {
    mark() {
      markRealtimeNs = BigInt(Date.now()) * 1_000_000n;
    },
    async write(folder) {
      const recorded = trace.timeline();
      const sinceAtNs = Number(markRealtimeNs - startedRealtimeNs);
      const timeline = lastConnections(recorded, sinceAtNs, maxConnections);
      return writeEvidenceFolder(lab, folder, timeline, (service) => trace.pcap(service, markRealtimeNs));
    },
    stop: async () => {
      await trace.stop();
    },
    [Symbol.asyncDispose]: async () => {
      await trace.stop();
    },
  };
}

/** The events since `sinceAtNs` of the last `maxConnections` connections that had any. */
export function lastConnections(timeline: Timeline, sinceAtNs: number, maxConnections: number): Timeline {
  const recent = timeline.events.filter((event) => event.atNs >= sinceAtNs);
  // A Set keeps the order in which each connection was first seen.
  const order = new Set(recent.map(connectionKey));
  const kept = new Set([...order].slice(-maxConnections));
  return { ...timeline, events: recent.filter((event) => kept.has(connectionKey(event))) };
}

// Both ends' events of one connection share a key: the two addresses in a fixed order.
function connectionKey(event: TraceEvent): string {
  const sides = [
    `${event.local.address}:${event.local.port}`,
    `${event.remote.address}:${event.remote.port}`,
  ].sort();
  return sides.join("-");
}
