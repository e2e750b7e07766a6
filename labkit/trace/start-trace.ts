import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "../docker/docker-client.ts";
import type { LabContainer } from "../socket-table/wait-for-socket.ts";
import { waitFor } from "../wait-for.ts";
import { inferTransitions } from "./infer-transitions.ts";
import { parseTraceLine } from "./parse-trace-line.ts";
import { startPacketCapture, type PacketCapture } from "./start-packet-capture.ts";
import { startKernelReaders, type KernelReaders } from "./start-kernel-readers.ts";
import { compareEvents, TimelineBuilder, type TraceEnd } from "./timeline-builder.ts";
import type { PacketEvent, StatesSource, Timeline, TraceEvent } from "./trace-event.ts";

/** What a trace needs of a lab: a `Lab` from startLab() is one, and so is the CLI's running lab. */
export interface TracedLab {
  readonly projectName: string;
  readonly networkName: string;
  container(service: string): LabContainer;
}

export interface TraceOptions {
  /** The services whose namespaces are recorded (packets captured, transitions kept). */
  services: readonly string[];
  /** Only connections with this port at either end. */
  port?: number;
  /** Only connections with this service or address at the other end. */
  peer?: string;
  /** Capture packets too (default true). */
  packets?: boolean;
  /**
   * Where states come from: the kernel (default; the recording fails if tracefs is out of reach),
   * `inferred` from packets, or `auto`: the kernel where it can, inferred with the reason otherwise.
   * SOCKLAB_TRACE_STATES=inferred forces inferred states.
   */
  states?: "kernel" | "inferred" | "auto";
  /**
   * Keep each service's pcap for evidence: all of it (`true`, memory grows with the traffic), or
   * only its last N bytes (a recorder that runs through many tests).
   */
  keepPcap?: boolean | number;
  /** The image of the helpers (python3 and tcpdump): the workbench's by default. */
  helperImage?: string;
  /** Per-CPU ring buffer of the tracefs instance. */
  bufferKb?: number;
  readyTimeoutMs?: number;
  /** Keep only the newest this many events (a live view that records for hours); all by default. */
  keepEvents?: number;
  /** Called with each event as it is recorded, in the order it arrives (not yet in time order). */
  onEvent?: (event: TraceEvent) => void;
}

/** What was lost: the kernel's ring buffer overran, or tcpdump's capture buffer did. */
export interface TraceLosses {
  kernelEvents: number;
  packets: number;
}

/** A recording in progress: `await using trace = await startTrace(lab, { services: [...] })`. */
export interface TraceRecorder extends AsyncDisposable {
  readonly statesSource: StatesSource;
  /** Every event recorded so far, in time order. */
  timeline(): Timeline;
  /** Waits until an event matching `predicate` has been recorded, and returns it. */
  waitForEvent<T extends TraceEvent>(
    predicate: (event: TraceEvent) => event is T,
    options: { timeoutMs: number; what: string },
  ): Promise<T>;
  /** Stops every helper after reading all it recorded; the final timeline. Idempotent. */
  stop(): Promise<Timeline>;
  /** Known after stop(): what the kernel or tcpdump could not keep (0 and 0 when complete). */
  losses(): TraceLosses;
  /**
   * Each service's capture as a pcap file, when `keepPcap` was set: what was kept of it, or only
   * its packets stamped at or after `sinceRealtimeNs` (CLOCK_REALTIME).
   */
  pcap(service: string, sinceRealtimeNs?: bigint): Uint8Array | undefined;
}

const DEFAULT_HELPER_IMAGE = "socklab/workbench:latest";
const DEFAULT_BUFFER_KB = 8192;
const DEFAULT_READY_TIMEOUT_MS = 15_000;
const TRACEFS_HINT =
  "the kernel's tracepoints are read through tracefs by a privileged helper container on the engine's host: " +
  "use a Linux Docker engine that allows --privileged (not rootless, not userns-remapped) with tracefs in its kernel";

/**
 * Starts recording the lab's TCP at both ends: state changes from the kernel's tracepoints and
 * packets captured in each service's namespace, on one clock. Resolves once every helper is
 * recording, so traffic started afterwards is seen whole.
 */
export async function startTrace(lab: TracedLab, options: TraceOptions): Promise<TraceRecorder> {
  const ends = await resolveEnds(lab, options.services);
  const image = options.helperImage ?? DEFAULT_HELPER_IMAGE;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const wanted =
    process.env["SOCKLAB_TRACE_STATES"] === "inferred" ? "inferred" : (options.states ?? "kernel");
  const pending: (readonly [string, bigint])[] = [];
  let builder: TimelineBuilder | undefined;
  const emit = (event: TraceEvent | undefined) => {
    if (event) options.onEvent?.(event);
  };

  let reader: KernelReaders | undefined;
  let inferredBecause: string | undefined =
    wanted === "inferred" ? "inferred states were asked for" : undefined;
  const captures = new Map<string, PacketCapture>();
  const cleanUp = async () => {
    await Promise.all([reader?.remove(), ...[...captures.values()].map((capture) => capture.remove())]);
  };
  try {
    if (wanted !== "inferred") {
      try {
        // Lines may come before the builder exists (the clock offset comes with `ready`): held briefly.
        // One reader per kernel among the engines that hold the ends (a lab across hosts).
        reader = await startKernelReaders(
          ends.map((end) => end.docker),
          {
            projectName: lab.projectName,
            image,
            bufferKb: options.bufferKb ?? DEFAULT_BUFFER_KB,
            readyTimeoutMs,
          },
          (line, shiftNs) =>
            builder ? addLine(builder, line, shiftNs, emit) : pending.push([line, shiftNs]),
        );
      } catch (error) {
        if (wanted === "kernel") {
          throw new SocklabError("ERR_TRACEFS_UNREACHABLE", `${(error as Error).message}; ${TRACEFS_HINT}`, {
            cause: error,
          });
        }
        inferredBecause = `tracefs is out of reach (${(error as Error).message}); ${TRACEFS_HINT}`;
      }
    }
    const statesSource: StatesSource = reader ? "kernel" : "inferred";
    if (statesSource === "inferred" && options.packets === false) {
      throw new SocklabError(
        "ERR_TRACE_OPTIONS",
        "states inferred from packets need packets: packets: false leaves nothing to record",
      );
    }
    // Whole milliseconds: the kernel's microsecond timestamps stay on microsecond boundaries.
    const originRealtimeNs = BigInt(Date.now()) * 1_000_000n;
    builder = new TimelineBuilder({
      ends,
      originRealtimeNs,
      ...(reader ? { taiOffsetNs: reader.taiOffsetNs } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.peer !== undefined ? { peer: options.peer } : {}),
      statesSource,
      ...(inferredBecause ? { inferredBecause } : {}),
      ...(options.keepEvents !== undefined ? { keepEvents: options.keepEvents } : {}),
    });
    for (const [line, shiftNs] of pending.splice(0)) addLine(builder, line, shiftNs, emit);
    if (options.packets !== false) {
      // Loopback is left out: the lab's ends are their lab addresses, and libpcap counts each
      // loopback packet twice but writes it once (a healthcheck would look like lost packets).
      const notLoopback = "not (net 127.0.0.0/8 or ip6 host ::1)";
      const filter = `tcp and ${notLoopback}${options.port !== undefined ? ` and port ${options.port}` : ""}`;
      await Promise.all(
        ends.map(async (end) => {
          const capture = await startPacketCapture(
            {
              projectName: lab.projectName,
              image,
              containerId: lab.container(end.service).id,
              service: end.service,
              docker: end.docker,
              filter,
              readyTimeoutMs,
            },
            (segment) => emit(builder?.addSegment(end.service, segment)),
            options.keepPcap ?? false,
          );
          captures.set(end.service, capture);
        }),
      );
    }
    return recorder(builder, statesSource, reader, captures, cleanUp);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

// `shiftNs` puts another kernel's TAI timestamps on the first reader's clock (0 on one host).
function addLine(
  builder: TimelineBuilder,
  line: string,
  shiftNs: bigint,
  emit: (event: TraceEvent | undefined) => void,
): void {
  const record = parseTraceLine(line);
  if (record)
    emit(builder.addKernelRecord(shiftNs === 0n ? record : { ...record, taiNs: record.taiNs - shiftNs }));
}

function recorder(
  builder: TimelineBuilder,
  statesSource: StatesSource,
  reader: KernelReaders | undefined,
  captures: ReadonlyMap<string, PacketCapture>,
  cleanUp: () => Promise<void>,
): TraceRecorder {
  let stopped: Promise<Timeline> | undefined;
  const losses: TraceLosses = { kernelEvents: 0, packets: 0 };
  const timeline = (): Timeline => {
    const recorded = builder.timeline();
    if (statesSource === "kernel") return recorded;
    const packets = recorded.events.filter((event): event is PacketEvent => event.kind === "packet");
    return { ...recorded, events: [...recorded.events, ...inferTransitions(packets)].sort(compareEvents) };
  };
  const stop = () =>
    (stopped ??= (async () => {
      try {
        const [kernel, ...dropped] = await Promise.all([
          reader?.stop() ?? { lostEvents: 0 },
          ...[...captures.values()].map((capture) => capture.stop()),
        ]);
        losses.kernelEvents = kernel.lostEvents;
        losses.packets = dropped.reduce((sum, d) => sum + d.droppedPackets, 0);
      } finally {
        await cleanUp();
      }
      return timeline();
    })());
  return {
    statesSource,
    timeline,
    async waitForEvent(predicate, options) {
      return waitFor(() => timeline().events.find(predicate), { ...options, pollMs: 20 });
    },
    stop,
    losses: () => ({ ...losses }),
    pcap: (service, sinceRealtimeNs) => captures.get(service)?.pcap(sinceRealtimeNs),
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/** A traced end, with the engine that holds it (each end's on its own host across hosts). */
type ResolvedEnd = TraceEnd & { docker: Docker };

/** Each service's address on the lab network, from the engine that holds it. */
async function resolveEnds(lab: TracedLab, services: readonly string[]): Promise<ResolvedEnd[]> {
  if (services.length === 0)
    throw new SocklabError("ERR_TRACE_OPTIONS", "name at least one service to trace");
  return Promise.all(
    services.map(async (service) => {
      const container = lab.container(service);
      const docker = container.host?.docker ?? dockerClient();
      const inspected = await docker.getContainer(container.id).inspect();
      const address = inspected.NetworkSettings.Networks[lab.networkName]?.IPAddress;
      if (!address) {
        throw new SocklabError(
          "ERR_TRACE_OPTIONS",
          `${service} has no address on the lab network ${lab.networkName}`,
        );
      }
      return { service, address, docker };
    }),
  );
}
