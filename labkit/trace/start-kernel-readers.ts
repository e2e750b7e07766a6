import type Docker from "dockerode";
import { startTracefsReader, type TracefsReader, type TracefsReaderOptions } from "./start-tracefs-reader.ts";

/** The tracefs readers of a recording: one per kernel among the engines that hold its ends. */
export interface KernelReaders {
  /** The first reader's CLOCK_TAI minus CLOCK_REALTIME: the timeline's clock. */
  readonly taiOffsetNs: bigint;
  /** How many kernels are read (engines that share a kernel count once). */
  readonly kernels: number;
  stop(): Promise<{ lostEvents: number }>;
  remove(): Promise<void>;
}

/**
 * Starts a tracefs reader on each engine in turn, keeping one per kernel: simulated hosts share
 * this machine's kernel, so a second reader there would report every transition twice. Each kept
 * reader's lines reach `onLine` with the shift (ns) that puts its TAI timestamps on the first one's clock.
 */
export async function startKernelReaders(
  engines: readonly Docker[],
  options: Omit<TracefsReaderOptions, "docker" | "otherEngines">,
  onLine: (line: string, shiftNs: bigint) => void,
): Promise<KernelReaders> {
  const kept: TracefsReader[] = [];
  const bootIds = new Set<string>();
  let firstOffsetNs: bigint | undefined;
  try {
    for (const docker of new Set(engines)) {
      // Lines wait until the reader is known to be the only one on its kernel.
      const held: string[] = [];
      const route: { deliver?: (line: string) => void } = {};
      const reader = await startTracefsReader({ ...options, docker, otherEngines: engines }, (line) =>
        route.deliver ? route.deliver(line) : held.push(line),
      );
      if (bootIds.has(reader.bootId) && reader.bootId !== "") {
        await reader.remove();
        continue;
      }
      bootIds.add(reader.bootId);
      kept.push(reader);
      firstOffsetNs ??= reader.taiOffsetNs;
      const shiftNs = reader.taiOffsetNs - firstOffsetNs;
      route.deliver = (line) => onLine(line, shiftNs);
      for (const line of held.splice(0)) route.deliver(line);
    }
  } catch (error) {
    await Promise.all(kept.map((reader) => reader.remove()));
    throw error;
  }
  return {
    taiOffsetNs: firstOffsetNs ?? 0n,
    kernels: kept.length,
    async stop() {
      const ends = await Promise.all(kept.map((reader) => reader.stop()));
      return { lostEvents: ends.reduce((sum, end) => sum + end.lostEvents, 0) };
    },
    remove: async () => {
      await Promise.all(kept.map((reader) => reader.remove()));
    },
  };
}
