// The fault soak's report: what struck, what the load did through it, what was lost (nothing, or
// the run fails), and each service's memory, health and restarts. Pure: the verdict and the
// Markdown are computed from the run's data alone.
import type { FaultSoakProbeResult, ResilientCount } from "../probes/fault-soak-probe.ts";
import { formatMachineLines } from "../report/format-markdown.ts";
import {
  FLAT_MEMORY,
  judgeMemory,
  type MemoryJudgement,
  type SoakSample,
} from "../report/format-soak-markdown.ts";
import type { MachineInfo } from "../report/read-machine-info.ts";
import { formatClock, type ScheduledFault } from "./fault-schedule.ts";
import type { StruckFault } from "./run-fault-schedule.ts";

export interface FaultSoakReport {
  startedAt: string;
  minutes: number;
  seed: number;
  /** Across hosts: how the lab was spread (absent on one host). */
  hosts?: string;
  machine: MachineInfo;
  schedule: ScheduledFault[];
  struck: StruckFault[];
  load: FaultSoakProbeResult;
  samples: SoakSample[];
  closeWaits: Record<string, number>;
}

/** The issue's run is an hour: anything shorter is labelled as a short verification run. */
export const FULL_RUN_MINUTES = 60;
/** A reading may be unhealthy this close to a kill's recovery (the health check's own interval). */
const HEALTH_GRACE_MS = 12_000;

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const n = (value: number): string => value.toLocaleString("en-US");

/** Every loss the run saw: wrong bytes, acknowledged data missing, partial files visible, chat lines lost or out of order. */
export function countLosses(load: FaultSoakProbeResult): number {
  return (
    load.tcp.losses + load.udp.losses + load.files.losses + load.chat.ledger.lost + load.chat.ledger.disorder
  );
}

export function countHung(load: FaultSoakProbeResult): number {
  return load.tcp.hung + load.udp.hung + load.files.hung;
}

/**
 * The readings memory is judged on: those where the server process ran, less those of a killed
 * server's new process while it warms up, for as long as the run's own warm-up. A new process starts
 * small and grows to its working size again, as at the start of the run: judged with the rest, its
 * first readings would lower whichever half's floor they fall in.
 */
export function memoryReadings(report: FaultSoakReport, service: string): SoakSample[] {
  const lastAtMs = report.samples.at(-1)?.atMs ?? 0;
  const warmupMs = Math.min(FLAT_MEMORY.maxWarmupMs, lastAtMs * FLAT_MEMORY.warmupFraction);
  const warmingUp = (atMs: number) =>
    killsOf(report, service).some(
      (kill) => atMs >= kill.struckAtMs && atMs < kill.struckAtMs + (kill.recoveredAfterMs ?? 0) + warmupMs,
    );
  return report.samples.filter(
    (sample) => Number.isFinite(sample.services[service]?.rssBytes) && !warmingUp(sample.atMs),
  );
}

export function judgeServiceMemory(report: FaultSoakReport, service: string): MemoryJudgement {
  return judgeMemory(memoryReadings(report, service), service);
}

/** Kills that struck `service` and were carried out. */
export function killsOf(report: FaultSoakReport, service: string): StruckFault[] {
  return report.struck.filter((fault) => fault.kind === "kill" && fault.service === service && fault.ok);
}

/** Readings where the service was not healthy, other than those while it restarted from a kill. */
export function unexpectedUnhealthy(report: FaultSoakReport, service: string): number {
  const kills = killsOf(report, service);
  const excused = (atMs: number) =>
    kills.some(
      (kill) =>
        atMs >= kill.struckAtMs && atMs <= kill.struckAtMs + (kill.recoveredAfterMs ?? 0) + HEALTH_GRACE_MS,
    );
  return report.samples.filter(
    (sample) => sample.services[service]?.health !== "healthy" && !excused(sample.atMs),
  ).length;
}

/** Everything that fails the run; empty when it passes. */
export function faultSoakVerdict(report: FaultSoakReport): string[] {
  const { load } = report;
  const failures: string[] = [];
  const losses = countLosses(load);
  if (losses > 0) failures.push(`${losses} losses: ${load.firstLosses.slice(0, 5).join("; ")}`);
  const hung = countHung(load);
  if (hung > 0) failures.push(`${hung} operations hung past their deadline`);
  for (const fault of report.struck.filter((struck) => !struck.ok))
    failures.push(
      `fault not struck at ${formatClock(fault.atMs)}: ${fault.description}: ${fault.error ?? ""}`,
    );
  // A cut of file-transfer stops puts of more than 1 MiB mid-body: only a resume completes them.
  const cutFiles = report.struck.some(
    (fault) => fault.ok && fault.kind === "cut" && fault.service === "file-transfer",
  );
  if (cutFiles && load.files.resumedPuts === 0)
    failures.push("a cut struck file-transfer but no put resumed from the server's partial");
  const idle = (["tcp", "udp", "files"] as const).filter((kind) => load[kind].ops === 0);
  if (idle.length > 0) failures.push(`no operation succeeded on ${idle.join(", ")}`);
  if (load.chat.ledger.expectedDeliveries === 0)
    failures.push("no acknowledged chat line was due to a member who stayed connected: nothing was checked");
  for (const service of Object.keys(report.samples[0]?.services ?? {})) {
    const memory = judgeServiceMemory(report, service);
    if (!memory.flat) failures.push(`${service} memory not flat: ${memory.summary}`);
    const restarts = report.samples.at(-1)?.services[service]?.restarts ?? 0;
    const kills = killsOf(report, service).length;
    if (restarts !== kills)
      failures.push(`${service} restarted ${restarts} times for ${kills} scheduled kills`);
    const unhealthy = unexpectedUnhealthy(report, service);
    if (unhealthy > 0) failures.push(`${service} not healthy in ${unhealthy} readings outside its restarts`);
    if ((report.closeWaits[service] ?? 0) < 0)
      failures.push(`${service}'s sockets could not be read at the end (not running)`);
    if ((report.closeWaits[service] ?? 0) > 0)
      failures.push(`${service} left ${report.closeWaits[service]} CLOSE_WAIT`);
  }
  return failures;
}

function loadRow(name: string, count: ResilientCount, what: string): string {
  return `| ${name} | ${what} | ${n(count.ops)} | ${n(count.retries)} | ${n(count.gaveUp)} | ${n(count.losses)} | ${n(count.hung)} |`;
}

function faultRow(fault: StruckFault): string {
  const outcome = fault.ok
    ? fault.recoveredAfterMs === undefined
      ? "held, cleared"
      : `healthy again after ${(fault.recoveredAfterMs / 1000).toFixed(1)} s`
    : `FAILED: ${fault.error ?? ""}`;
  return `| ${formatClock(fault.struckAtMs)} | ${fault.kind} | ${fault.service} | ${fault.description} | ${outcome} |`;
}

function memoryRow(report: FaultSoakReport, service: string): string {
  const memory = judgeServiceMemory(report, service);
  const restarts = report.samples.at(-1)?.services[service]?.restarts ?? 0;
  const unhealthy = unexpectedUnhealthy(report, service);
  return `| ${service} | ${mib(memory.baselineBytes)} | ${mib(memory.endBytes)} | ${mib(memory.peakBytes)} | ${memory.flat ? "yes" : "no"} | ${unhealthy === 0 ? "yes" : `no (${unhealthy})`} | ${restarts} of ${killsOf(report, service).length} | ${report.closeWaits[service] ?? "?"} |`;
}

/** The fault soak's section of docs/benchmarks.md. */
export function formatFaultSoakMarkdown(report: FaultSoakReport): string {
  const { load } = report;
  const { files, chat } = load;
  const services = Object.keys(report.samples[0]?.services ?? {});
  const failures = faultSoakVerdict(report);
  const short =
    report.minutes < FULL_RUN_MINUTES
      ? ` (a short verification run, not the issue's ${FULL_RUN_MINUTES}-minute run)`
      : "";
  const lines = [
    `## Soak with faults${report.hosts === undefined ? "" : " across hosts"} of ${report.startedAt}: ${report.minutes} min, seed ${report.seed}${short}`,
    "",
    ...formatMachineLines(report.machine),
    ...(report.hosts === undefined ? [] : [`Lab: ${report.hosts}.`]),
    `Replay: \`npm run soak -- --minutes ${report.minutes} --faults${report.hosts === undefined ? "" : " --hosts"} --seed ${report.seed}\`. Verdict: ${failures.length === 0 ? "passed" : `FAILED (${failures.length})`}.`,
    "",
    `${report.struck.length} faults struck, one at a time:`,
    "",
    "| at | kind | service | fault | outcome |",
    "| --- | --- | --- | --- | --- |",
    ...report.struck.map(faultRow),
    "",
    "| service | load | operations done | retries | given up at the deadline | losses | hung |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    loadRow("tcp-echo", load.tcp, "echoes of 0 to 256 KiB, compared"),
    loadRow("udp-echo", load.udp, "datagrams of 0 to 1,472 bytes, compared"),
    loadRow("file-transfer", files, "put + read back of 0 to 4 MiB, SHA-256 against the ledger"),
    "",
    `Files: ${n(files.ledger.putsAcknowledged)} puts acknowledged (${n(files.resumedPuts)} resumed), ${n(files.ledger.putsUncertain)} given up unacknowledged, ${n(files.ledger.deletesAcknowledged)} deletes; ${n(files.ledger.reads)} reads checked (${n(files.resumedGets)} resumed, ${n(files.finalChecks)} in the final pass over every name), ${n(files.ledger.listings)} listings checked, ${n(files.ledger.partlyVisible)} partly written files seen; ${n(files.reconnects)} connections replaced after a failure; ${n(files.ledger.lost)} acknowledged files lost.`,
    "",
    `Chat: ${n(chat.ledger.sent)} lines sent, ${n(chat.ledger.acknowledged)} acknowledged; ${n(chat.ledger.delivered)} of ${n(chat.ledger.expectedDeliveries)} deliveries due to members who stayed connected arrived (${n(chat.ledger.lost)} lost, ${n(chat.ledger.disorder)} out of order); ${n(chat.ledger.cutOffSessions)} of ${n(chat.ledger.sessions)} connections were cut off and knew it (${n(chat.ackStalls)} given up for no acknowledgement), missing ${n(chat.ledger.missedWhileCutOff)} lines between them; ${n(chat.reconnects)} reconnect attempts.`,
    "",
    `Losses in all: ${countLosses(load)}. Hung: ${countHung(load)}.`,
    ...(load.firstLosses.length > 0
      ? ["", "First losses:", "", ...load.firstLosses.slice(0, 10).map((line) => `- ${line}`)]
      : []),
    ...(load.firstGiveUps.length > 0
      ? [
          "",
          "First operations given up (clear errors, allowed while faults strike):",
          "",
          ...load.firstGiveUps.slice(0, 5).map((line) => `- ${line}`),
        ]
      : []),
    ...(failures.length > 0 ? ["", "Failures:", "", ...failures.map((failure) => `- ${failure}`)] : []),
    "",
    "| service | lowest RSS, first half | lowest RSS, second half | peak | flat | healthy outside its restarts | restarts of scheduled kills | CLOSE_WAIT left |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...services.map((service) => memoryRow(report, service)),
    "",
    `${report.samples.length} readings; flat as in the quiet soak (the lowest reading of the second half after warm-up at most +${FLAT_MEMORY.maxGrowthFraction * 100} % or +${mib(FLAT_MEMORY.minAllowedGrowthBytes)} above the first half's), over the readings taken while the server ran, less a killed server's new process's first ${Math.round(FLAT_MEMORY.maxWarmupMs / 1000)} s (or a fifth of a shorter run) of warm-up.`,
    "",
  ];
  return lines.join("\n");
}
