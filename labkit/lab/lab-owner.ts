// Who started a test lab, written into its compose project name, so that a sweep removes only the
// labs of runs that are over: two runs sharing an engine (parallel CI jobs, a soak beside a test
// run) must not take each other's containers away.
import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** A lab of another machine sharing this engine is left alone until it is this old. */
export const FOREIGN_LAB_MAX_AGE_MS = 12 * 60 * 60 * 1000;

export interface LabOwner {
  /** Six hex digits of the starting machine's host name (project names allow only [a-z0-9_-]). */
  machine: string;
  pid: number;
}

/** This machine's tag: the same in every process here, another on a host sharing the engine. */
export function machineTag(name = hostname()): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 6);
}

/** The part of a project name after its prefix that names its owner: `<machine>p<pid>-`. */
export function ownerSegment(owner: LabOwner = { machine: machineTag(), pid: process.pid }): string {
  return `${owner.machine}p${owner.pid}-`;
}

/** The owner a project name records after `prefix`, or undefined for a name of an older socklab. */
export function parseLabOwner(projectName: string, prefix: string): LabOwner | undefined {
  if (!projectName.startsWith(prefix)) return undefined;
  const match = /^([0-9a-f]{6})p(\d+)-/.exec(projectName.slice(prefix.length));
  return match ? { machine: match[1] as string, pid: Number(match[2]) } : undefined;
}

/** Whether a process runs on this machine (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface AbandonedCheck {
  prefix: string;
  /** When the project's oldest resource was created. */
  createdAtMs: number;
  nowMs?: number;
  /** Owners known to be done although their process runs (the sweeping run's own process). */
  finishedPids?: readonly number[];
  alive?: (pid: number) => boolean;
}

/**
 * A lab is abandoned when its owner on this machine has exited (or is listed as finished), when it
 * names no owner (an older socklab), or when it is another machine's and older than
 * FOREIGN_LAB_MAX_AGE_MS (that machine's processes cannot be seen from here).
 */
export function isAbandonedLab(projectName: string, check: AbandonedCheck): boolean {
  const owner = parseLabOwner(projectName, check.prefix);
  if (owner === undefined) return true;
  if (owner.machine !== machineTag()) {
    return (check.nowMs ?? Date.now()) - check.createdAtMs > FOREIGN_LAB_MAX_AGE_MS;
  }
  if (check.finishedPids?.includes(owner.pid)) return true;
  return !(check.alive ?? processAlive)(owner.pid);
}
