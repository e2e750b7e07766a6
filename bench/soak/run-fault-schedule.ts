// Strikes the lab with a planned schedule while the load runs: kills each service's server process
// (its container's restart policy brings it back) and holds network faults between a service and
// the workbench through the public fault API. Records what was struck, when, and how it went.
import { setTimeout as delay } from "node:timers/promises";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import type { FaultSpec } from "../../labkit/fault/fault-spec.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { findServicePid } from "../measure/find-service-pid.ts";
import {
  describeScheduledFault,
  formatClock,
  SCHEDULE_SHAPE,
  type ScheduledFault,
  type ScheduledFaultKind,
} from "./fault-schedule.ts";

export interface StruckFault extends ScheduledFault {
  description: string;
  /** When it actually struck, from the start of the load. */
  struckAtMs: number;
  ok: boolean;
  error?: string;
  /** For a kill: from the kill until the restarted service was healthy again. */
  recoveredAfterMs?: number;
}

/** The lab the faults strike, and how to reach what they strike on whichever host it runs. */
export interface FaultTargets {
  lab: Lab;
  /** Across hosts: cuts the underlay between the workbench's host and the services' for `seconds`. */
  partitionUnderlay?: (seconds: number) => Promise<void>;
  /** Removes whatever a failed strike may have left in force. */
  cleanUp: () => Promise<void>;
}

/** A container handle on an engine (only labkit names dockerode's types). */
type EngineContainer = ReturnType<ReturnType<typeof dockerClient>["getContainer"]>;

/** A service's container on its own engine (the default one, or its host's across hosts). */
export function serviceContainer(lab: Lab, service: string): EngineContainer {
  const container = lab.container(service);
  return (container.host?.docker ?? dockerClient()).getContainer(container.id);
}

/** The client every network fault cuts the service from: the workbench, where the load runs. */
export const CLIENT_SERVICE = "workbench";
const KILL_RECOVERY_TIMEOUT_MS = 120_000;
/** The helper's own deadline, past the hold: whatever happens to this process, the fault ends. */
const FAULT_SAFETY_SECONDS = 30;

export async function runFaultSchedule(
  targets: FaultTargets,
  schedule: readonly ScheduledFault[],
  loadStartMs: number,
  log: (message: string) => void,
): Promise<StruckFault[]> {
  const struck: StruckFault[] = [];
  for (const fault of schedule) {
    const waitMs = loadStartMs + fault.atMs - performance.now();
    if (waitMs > 0) await delay(waitMs);
    const struckAtMs = performance.now() - loadStartMs;
    const description = describeScheduledFault(fault);
    log(`${formatClock(struckAtMs)} striking: ${description}`);
    try {
      const recoveredAfterMs = await strike(targets, fault);
      struck.push({
        ...fault,
        description,
        struckAtMs,
        ok: true,
        ...(recoveredAfterMs === undefined ? {} : { recoveredAfterMs }),
      });
      if (recoveredAfterMs !== undefined)
        log(`${fault.service} healthy again ${Math.round(recoveredAfterMs)} ms after its kill`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`FAILED to strike ${description}: ${message}`);
      struck.push({ ...fault, description, struckAtMs, ok: false, error: message });
    }
  }
  await targets.cleanUp();
  return struck;
}

/** The network fault a scheduled one stands for, between the service and the workbench. */
export function faultSpecFor(fault: ScheduledFault & { kind: NetworkFaultKind }): FaultSpec {
  const seconds = fault.seconds + FAULT_SAFETY_SECONDS;
  const base = { service: fault.service, seconds };
  switch (fault.kind) {
    case "reset":
      return { ...base, kind: "reset", peer: CLIENT_SERVICE };
    case "cut":
      return { ...base, kind: "reset", peer: CLIENT_SERVICE, afterBytes: SCHEDULE_SHAPE.cutAfterBytes };
    case "loss":
      return {
        ...base,
        kind: "loss",
        percent: SCHEDULE_SHAPE.lossPercent,
        direction: "both",
        peer: CLIENT_SERVICE,
      };
    case "partition":
      return { ...base, kind: "partition", peer: CLIENT_SERVICE };
    case "bandwidth":
      return { ...base, kind: "bandwidth", rateKbitPerSecond: SCHEDULE_SHAPE.bandwidthKbitPerSecond };
  }
}

type NetworkFaultKind = Exclude<ScheduledFaultKind, "kill" | "underlay">;

/** Strikes one fault and holds it for its seconds; for a kill, resolves with the time to recover. */
async function strike(targets: FaultTargets, fault: ScheduledFault): Promise<number | undefined> {
  const { kind } = fault;
  if (kind === "kill") return killAndAwaitRestart(targets.lab, fault.service);
  if (kind !== "underlay") return holdNetworkFault(targets.lab, { ...fault, kind });
  if (targets.partitionUnderlay === undefined)
    throw new SocklabError("ERR_SOAK_FAULT", "an underlay partition needs a lab across hosts (--hosts)");
  await targets.partitionUnderlay(fault.seconds);
  return undefined;
}

async function holdNetworkFault(
  lab: Lab,
  fault: ScheduledFault & { kind: NetworkFaultKind },
): Promise<undefined> {
  const held = await lab.fault(faultSpecFor(fault));
  try {
    await delay(fault.seconds * 1000);
  } finally {
    await held.clear();
  }
  return undefined;
}

// SIGKILL to the server process from inside its container (same user, no capability needed); the
// container's init then exits and the restart policy starts it again.
async function killAndAwaitRestart(lab: Lab, service: string): Promise<number> {
  const container = serviceContainer(lab, service);
  const before = (await container.inspect()).RestartCount;
  const pid = await findServicePid(lab, service);
  const killedAtMs = performance.now();
  // The exec may die with its container: what counts is the restart that follows.
  await lab.sh(service, `kill -KILL ${pid}`).catch(() => undefined);
  await waitFor(
    async () => {
      const info = await container.inspect();
      return info.RestartCount > before && info.State.Health?.Status === "healthy" ? true : undefined;
    },
    {
      timeoutMs: KILL_RECOVERY_TIMEOUT_MS,
      pollMs: 250,
      what: `${service} to restart and be healthy after its kill`,
    },
  );
  return performance.now() - killedAtMs;
}
