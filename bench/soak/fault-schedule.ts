// The faults of `npm run soak -- --faults`, planned before the run from a seed: the same seed, length
// and services give the same schedule, so a failing run can be replayed fault for fault.

/**
 * What strikes a service: its process killed, or a network fault between it and the workbench; or,
 * across hosts, the underlay between the workbench's host and the services' host cut.
 */
export type ScheduledFaultKind = "kill" | "reset" | "cut" | "loss" | "partition" | "bandwidth" | "underlay";

export interface ScheduledFault {
  /** From the start of the load. */
  atMs: number;
  kind: ScheduledFaultKind;
  /** The service struck; for `underlay`, the host whose link to the workbench's host is cut. */
  service: string;
  /** How long a network fault is held; 0 for a kill, which is over at once (the service restarts). */
  seconds: number;
}

export interface ScheduleOptions {
  seed: number;
  durationMs: number;
  services: readonly string[];
  /** The kinds each round draws; SCHEDULED_KINDS (one host) by default. */
  kinds?: readonly ScheduledFaultKind[];
  /** Across hosts: the services' host, cut from the workbench's by `underlay`. */
  servicesHost?: string;
}

/** The shape of every schedule: when faults may start, how long they last, the gaps between them. */
export const SCHEDULE_SHAPE = {
  /** The load warms up before the first fault. */
  firstAtMs: 20_000,
  /** The load runs this long after the last fault ends, so every client can recover and be checked. */
  quietTailMs: 45_000,
  minGapMs: 10_000,
  maxGapMs: 20_000,
  minHoldSeconds: 10,
  maxHoldSeconds: 25,
  /** The partition: 10 s of a client cut off from a service. */
  partitionSeconds: 10,
  lossPercent: 5,
  bandwidthKbitPerSecond: 4_000,
  /**
   * A cut resets each connection once the workbench has sent it this much: less than the largest
   * file (4 MiB), so puts are cut mid-body and must resume from the server's partial.
   */
  cutAfterBytes: 1_048_576,
} as const;

/** The kinds in the order a round draws them from; each round shuffles them. */
export const SCHEDULED_KINDS: readonly ScheduledFaultKind[] = [
  "kill",
  "reset",
  "cut",
  "loss",
  "partition",
  "bandwidth",
];
/**
 * Across hosts: every kind of one host (each fault's helper runs on its service's engine), and the
 * simulated underlay's own partition between the two hosts.
 */
export const CROSS_HOST_KINDS: readonly ScheduledFaultKind[] = [...SCHEDULED_KINDS, "underlay"];

// Resets and cuts are of TCP segments: UDP has none to reset.
const TCP_ONLY: ReadonlySet<ScheduledFaultKind> = new Set(["reset", "cut"]);
const UDP_SERVICES: ReadonlySet<string> = new Set(["udp-echo"]);

/** A 32-bit seeded generator (mulberry32): small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function appliesTo(kind: ScheduledFaultKind, service: string): boolean {
  return !(TCP_ONLY.has(kind) && UDP_SERVICES.has(service));
}

/**
 * Faults one after another, never two at once: each round draws every kind once, in a shuffled
 * order, and each kind strikes the services in turn, round after round (from a seeded offset), so
 * that every kind meets every service it applies to. Nothing starts that would not end before the
 * quiet tail.
 */
export function buildFaultSchedule(options: ScheduleOptions): ScheduledFault[] {
  const random = seededRandom(options.seed);
  const shape = SCHEDULE_SHAPE;
  const endBeforeMs = options.durationMs - shape.quietTailMs;
  const kinds = options.kinds ?? SCHEDULED_KINDS;
  const turn = new Map(kinds.map((kind) => [kind, between(random, 0, options.services.length - 1)]));
  const schedule: ScheduledFault[] = [];
  let atMs: number = shape.firstAtMs;
  for (let round = 0; options.services.length > 0; round++) {
    for (const kind of shuffled(kinds, random)) {
      const service =
        kind === "underlay" ? (options.servicesHost ?? "h2") : nextService(kind, options.services, turn);
      if (service === undefined) continue;
      const seconds = holdSeconds(kind, random);
      if (atMs + seconds * 1000 > endBeforeMs) return schedule;
      schedule.push({ atMs, kind, service, seconds });
      atMs += seconds * 1000 + between(random, shape.minGapMs, shape.maxGapMs);
    }
  }
  return schedule;
}

// The next service in this kind's turn that it applies to.
function nextService(
  kind: ScheduledFaultKind,
  services: readonly string[],
  turn: Map<ScheduledFaultKind, number>,
): string | undefined {
  for (let tries = 0; tries < services.length; tries++) {
    const index = turn.get(kind) ?? 0;
    turn.set(kind, (index + 1) % services.length);
    const service = services[index];
    if (service !== undefined && appliesTo(kind, service)) return service;
  }
  return undefined;
}

function holdSeconds(kind: ScheduledFaultKind, random: () => number): number {
  if (kind === "kill") return 0;
  if (kind === "partition" || kind === "underlay") return SCHEDULE_SHAPE.partitionSeconds;
  return between(random, SCHEDULE_SHAPE.minHoldSeconds, SCHEDULE_SHAPE.maxHoldSeconds);
}

/** How a scheduled fault reads in the printed schedule and the report. */
export function describeScheduledFault(fault: ScheduledFault): string {
  const shape = SCHEDULE_SHAPE;
  switch (fault.kind) {
    case "kill":
      return `SIGKILL of ${fault.service}'s server (its restart policy brings it back)`;
    case "reset":
      return `reset of every TCP segment between ${fault.service} and the workbench for ${fault.seconds} s`;
    case "cut":
      return `each connection from the workbench to ${fault.service} reset once it has sent ${shape.cutAfterBytes / 1_048_576} MiB, for ${fault.seconds} s`;
    case "loss":
      return `${shape.lossPercent}% loss both ways between ${fault.service} and the workbench for ${fault.seconds} s`;
    case "partition":
      return `partition of ${fault.service} from the workbench for ${fault.seconds} s`;
    case "bandwidth":
      return `${fault.service} sends at most ${shape.bandwidthKbitPerSecond / 1000} Mbit/s for ${fault.seconds} s`;
    case "underlay":
      return `partition of the underlay between the workbench's host and ${fault.service} (every service) for ${fault.seconds} s`;
  }
}

/** The schedule as printed at the start of a run: the seed first, so that it can be replayed. */
export function formatSchedule(
  seed: number,
  schedule: readonly ScheduledFault[],
  replayFlags = "--faults",
): string {
  const lines = [
    `fault schedule, seed ${seed} (replay: ${replayFlags} --seed ${seed}), ${schedule.length} faults:`,
  ];
  for (const fault of schedule) {
    lines.push(`  ${formatClock(fault.atMs)}  ${describeScheduledFault(fault)}`);
  }
  return lines.join("\n");
}

/** m:ss from the start of the load. */
export function formatClock(atMs: number): string {
  const totalSeconds = Math.round(atMs / 1000);
  return `${Math.floor(totalSeconds / 60)}:${String(totalSeconds % 60).padStart(2, "0")}`;
}

/** A seed as the command line takes it: an integer from 0 to 2^32 - 1. */
export function parseSeed(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const seed = Number(text);
  return seed <= 0xffff_ffff ? seed : undefined;
}
