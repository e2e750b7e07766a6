import type { ContainerHost } from "../docker/container-host.ts";
/** What a fault does, to which service's network namespace, and for how long. */

/** Any running compose project: a `Lab` from startLab, or `{ projectName: "socklab" }` for the user's lab. */
export interface FaultTarget {
  readonly projectName: string;
  /**
   * The engines the lab's containers run on (a lab across hosts): each fault's helper runs on the
   * engine that holds its service. The default engine alone when absent.
   */
  readonly engines?: readonly ContainerHost[];
}

/** Relative to the target service: `in` is what it receives, `out` what it sends. */
export type FaultDirection = "in" | "out" | "both";

/** TCP segments `drop` can take away: each holds a state on demand (docs/faults.md). */
export type TcpFlag = "syn" | "syn-ack" | "fin" | "rst";

export const TCP_FLAGS: readonly TcpFlag[] = ["syn", "syn-ack", "fin", "rst"];

interface FaultScope {
  /** The compose service whose network namespace the fault is applied in. */
  service: string;
  /** Only packets to or from this TCP/UDP port (either end); every packet by default. */
  port?: number;
  /** Only packets exchanged with this other service of the lab; every peer by default. */
  peer?: string;
  /** The helper removes the fault after this long, even if nothing else does; FAULT_DEFAULT_SECONDS. */
  seconds?: number;
}

export type FaultSpec =
  | (FaultScope & { kind: "loss"; percent: number; direction?: FaultDirection })
  | (FaultScope & { kind: "blackhole"; direction?: FaultDirection })
  /** Answers TCP with a reset: every segment, only new connections, or after a flow sent `afterBytes`. */
  | (FaultScope & { kind: "reset"; newOnly?: boolean; afterBytes?: number })
  | (FaultScope & { kind: "drop"; flags: readonly TcpFlag[]; direction?: FaultDirection })
  /** Nothing passes between `service` and `peer`, either way. */
  | (FaultScope & { kind: "partition"; peer: string })
  /** Shapes what the service sends (tbf). */
  | (FaultScope & { kind: "bandwidth"; rateKbitPerSecond: number })
  /** netem kinds, on what the service sends: only where the kernel has netem. */
  | (FaultScope & { kind: "delay"; delayMs: number; jitterMs?: number })
  | (FaultScope & { kind: "duplicate"; percent: number })
  | (FaultScope & { kind: "reorder"; percent: number; delayMs: number });

export type FaultKind = FaultSpec["kind"];

export const FAULT_KINDS: readonly FaultKind[] = [
  "loss",
  "blackhole",
  "reset",
  "drop",
  "partition",
  "bandwidth",
  "delay",
  "duplicate",
  "reorder",
];

/** How long a fault lasts when no `seconds` is given: what bounds it if every holder is killed. */
export const FAULT_DEFAULT_SECONDS = 600;
/** The longest a fault may be asked to last. */
export const FAULT_MAX_SECONDS = 3600;
