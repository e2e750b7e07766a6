import { readFileSync } from "node:fs";
import path from "node:path";
import { decodePcap, type CapturedSegment } from "../pcap-decoder.ts";
import { parseTraceLine } from "../parse-trace-line.ts";
import { TimelineBuilder, type TimelineBuilderOptions } from "../timeline-builder.ts";
import type { KernelRecord, Timeline } from "../trace-event.ts";

const FIXTURES = path.join(import.meta.dirname, "..", "fixtures");
export const RECORDED_SERVICES = ["workbench", "tcp-echo"] as const;
export type RecordedService = (typeof RECORDED_SERVICES)[number];

/** The recording of fixtures/README.md, piece by piece. */
export interface Recording {
  addresses: Record<RecordedService, string>;
  traceLines: string[];
  kernelRecords: KernelRecord[];
  segments: Record<RecordedService, CapturedSegment[]>;
}

export function readRecording(name = "echo-and-resets"): Recording {
  const read = (suffix: string) => readFileSync(path.join(FIXTURES, `${name}.${suffix}`));
  const traceLines = read("trace-pipe.txt")
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
  return {
    addresses: JSON.parse(read("ends.json").toString("utf8")) as Record<RecordedService, string>,
    traceLines,
    kernelRecords: traceLines.flatMap((line) => parseTraceLine(line) ?? []),
    segments: {
      workbench: decodePcap(read("workbench.pcap")),
      "tcp-echo": decodePcap(read("tcp-echo.pcap")),
    },
  };
}

/** The recording on one timeline, as the recorder builds it (packets and kernel records interleaved). */
export function recordedTimeline(
  options: Partial<Pick<TimelineBuilderOptions, "port" | "peer" | "statesSource">> & {
    packets?: boolean;
  } = {},
): Timeline {
  const recording = readRecording();
  const first = recording.segments.workbench[0]?.realtimeNs ?? 0n;
  const builder = new TimelineBuilder({
    ends: RECORDED_SERVICES.map((service) => ({ service, address: recording.addresses[service] })),
    // A whole millisecond before the first packet, as the recorder starts before traffic.
    originRealtimeNs: (first / 1_000_000n - 1n) * 1_000_000n,
    taiOffsetNs: 0n,
    statesSource: options.statesSource ?? "kernel",
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.peer !== undefined ? { peer: options.peer } : {}),
  });
  if (options.statesSource !== "inferred")
    for (const record of recording.kernelRecords) builder.addKernelRecord(record);
  if (options.packets !== false) {
    for (const service of RECORDED_SERVICES) {
      for (const segment of recording.segments[service]) builder.addSegment(service, segment);
    }
  }
  return builder.timeline();
}
