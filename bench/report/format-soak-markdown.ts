import type { LoadCount, SoakProbeResult } from "../probes/soak-probe.ts";
import { formatMachineLines } from "./format-markdown.ts";
import type { MachineInfo } from "./read-machine-info.ts";

/** One reading of every service during the soak. */
export interface SoakSample {
  atMs: number;
  services: Record<string, { rssBytes: number; health: string; restarts: number }>;
}

export interface SoakReport {
  startedAt: string;
  minutes: number;
  machine: MachineInfo;
  load: SoakProbeResult;
  samples: SoakSample[];
  /** CLOSE_WAIT sockets left on each service once the load has ended. */
  closeWaits: Record<string, number>;
}

export interface MemoryJudgement {
  flat: boolean;
  baselineBytes: number;
  endBytes: number;
  peakBytes: number;
  summary: string;
}

// Memory is flat when its floor holds: the lowest RSS over the second half of the run (after
// warm-up) within this much of the lowest over the first half. The floor, not single readings or
// medians: a garbage-collected server's RSS is a sawtooth (file-transfer under the soak's load
// climbs 10 to 25 MiB between drops, minutes apart) whose peaks say when the collector last ran,
// while a leak raises the floor itself.
export const FLAT_MEMORY = {
  warmupFraction: 0.2,
  maxWarmupMs: 60_000,
  /** Readings after warm-up needed to judge: at least three in each half. */
  minReadings: 6,
  maxGrowthFraction: 0.1,
  /** A floor on the allowed growth, for services whose whole heap is a few MiB. */
  minAllowedGrowthBytes: 8 * 1024 * 1024,
} as const;

const MIB = 1024 * 1024;

/** Compares a service's lowest RSS over the second half of the run with its lowest over the first half after warm-up. */
export function judgeMemory(samples: readonly SoakSample[], service: string): MemoryJudgement {
  const lastAtMs = samples.at(-1)?.atMs ?? 0;
  const warmupMs = Math.min(FLAT_MEMORY.maxWarmupMs, lastAtMs * FLAT_MEMORY.warmupFraction);
  const rss = (sample: SoakSample) => sample.services[service]?.rssBytes ?? Number.NaN;
  const warm = samples.filter((sample) => sample.atMs >= warmupMs).map(rss);
  const half = Math.floor(warm.length / 2);
  const baselineBytes = Math.min(...warm.slice(0, half));
  const endBytes = Math.min(...warm.slice(half));
  const peakBytes = Math.max(...samples.map(rss));
  const allowed = Math.max(baselineBytes * FLAT_MEMORY.maxGrowthFraction, FLAT_MEMORY.minAllowedGrowthBytes);
  const enough = warm.length >= FLAT_MEMORY.minReadings;
  const flat = enough && endBytes - baselineBytes <= allowed;
  const summary = enough
    ? `lowest ${mib(baselineBytes)} in the first half after warm-up, ${mib(endBytes)} in the second (allowed: +${mib(allowed)}), peak ${mib(peakBytes)}`
    : `only ${warm.length} readings after warm-up, too few to judge`;
  return { flat, baselineBytes, endBytes, peakBytes, summary };
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function loadRow(name: string, load: LoadCount, what: string, durationMs: number): string {
  const perSecond = (load.ops * 1000) / durationMs;
  return `| ${name} | ${what} | ${load.ops.toLocaleString("en-US")} (${perSecond.toFixed(1)}/s) | ${mib(load.bytes)} | ${load.errors} |`;
}

/** The soak's section of docs/benchmarks.md: the load, its errors, and each service's memory. */
export function formatSoakMarkdown(report: SoakReport): string {
  const { load } = report;
  const errors = load.tcp.errors + load.udp.errors + load.files.errors + load.chat.errors;
  const services = Object.keys(report.samples[0]?.services ?? {});
  const lines = [
    `## Soak of ${report.startedAt}: ${report.minutes} min`,
    "",
    ...formatMachineLines(report.machine),
    "",
    "| service | load | operations | bytes moved | errors |",
    "| --- | --- | --- | --- | --- |",
    loadRow("tcp-echo", load.tcp, "4 clients, echoes of 0 to 256 KiB, compared", load.durationMs),
    loadRow("udp-echo", load.udp, "2 clients, datagrams of 0 to 1,472 bytes, compared", load.durationMs),
    loadRow(
      "file-transfer",
      load.files,
      "2 clients, put + get of 0 to 4 MiB, SHA-256 compared",
      load.durationMs,
    ),
    loadRow(
      "chat",
      load.chat,
      "20 members, a line a second each, order and gaps checked at every member",
      load.durationMs,
    ),
    "",
    `Chat: ${load.chat.delivered.toLocaleString("en-US")} of ${load.chat.expected.toLocaleString("en-US")} deliveries, ${load.chat.churned} visitors joined and quit. Errors in all: ${errors}.`,
    ...(load.firstErrors.length > 0
      ? ["", "First errors:", "", ...load.firstErrors.map((error) => `- ${error}`)]
      : []),
    "",
    `| service | lowest RSS, first half | lowest RSS, second half | peak | flat | healthy in every reading | restarts | CLOSE_WAIT left |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...services.map((service) => memoryRow(report, service)),
    "",
    `${report.samples.length} readings, one every ${Math.round((report.samples[1]?.atMs ?? 0) / 1000)} s; flat means the lowest reading of the second half after warm-up at most +${FLAT_MEMORY.maxGrowthFraction * 100} % (or +${mib(FLAT_MEMORY.minAllowedGrowthBytes)}) above the lowest of the first half.`,
    "",
  ];
  return lines.join("\n");
}

function memoryRow(report: SoakReport, service: string): string {
  const memory = judgeMemory(report.samples, service);
  const healthy = report.samples.every((sample) => sample.services[service]?.health === "healthy");
  const restarts = report.samples.at(-1)?.services[service]?.restarts ?? 0;
  return `| ${service} | ${mib(memory.baselineBytes)} | ${mib(memory.endBytes)} | ${mib(memory.peakBytes)} | ${memory.flat ? "yes" : "no"} | ${healthy ? "yes" : "no"} | ${restarts} | ${report.closeWaits[service] ?? "?"} |`;
}
