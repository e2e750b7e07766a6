import type Docker from "dockerode";
import type { ContainerHost } from "../docker/container-host.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { FAULT_DEVICE, FAULT_QDISC_HANDLE, FAULT_TABLE_PREFIX } from "./build-fault-script.ts";
import type { FaultTarget } from "./fault-spec.ts";
import { engineList, requireServiceContainers } from "./find-service-containers.ts";
import { parseFaultState, type KernelFault } from "./parse-fault-state.ts";
import { FAULT_LABELS, runFaultHelper } from "./run-fault-helper.ts";

/** A fault the kernel holds in a service's namespace, and the helper holding it, if one still does. */
export interface FaultInForce extends KernelFault {
  /** When its helper removes it; undefined when no helper holds it any more (`clear` removes it). */
  expiresAt?: Date;
  /** The helper's container id. */
  holderId?: string;
}

export interface ServiceFaults {
  service: string;
  faults: FaultInForce[];
}

// Read from the kernel: socklab's nftables tables with their comments, and socklab's root qdisc.
export const READ_FAULTS_SCRIPT = String.raw`
nft list tables | while read -r _ family name; do
  case "$name" in ${FAULT_TABLE_PREFIX}*)
    comment=$(nft list table "$family" "$name" | sed -n 's/^[[:space:]]*comment "\(.*\)"$/\1/p')
    echo "nft $family $name $comment" ;;
  esac
done
tc qdisc show dev ${FAULT_DEVICE} | grep "^qdisc [a-z_]* ${FAULT_QDISC_HANDLE} root" | sed 's/^/tc /'
true
`;

/** A helper's container as the engine lists it, with the engine it runs on. */
export type FaultHolder = Docker.ContainerInfo & { docker: Docker };

/** The helpers that hold faults in `projectName` (of one service, if given), on each of `engines`. */
export async function findFaultHolders(
  projectName: string,
  service?: string,
  engines?: readonly ContainerHost[],
): Promise<FaultHolder[]> {
  const label = [`${FAULT_LABELS.project}=${projectName}`];
  if (service !== undefined) label.push(`${FAULT_LABELS.service}=${service}`);
  const perEngine = await Promise.all(
    engineList(engines).map(async ({ docker }) =>
      (await docker.listContainers({ filters: JSON.stringify({ label }) })).map((h) => ({ ...h, docker })),
    ),
  );
  return perEngine.flat();
}

/** The helpers that hold a fault now: a killed one may linger a moment before the engine removes it. */
export async function findRunningFaultHolders(
  projectName: string,
  service?: string,
  engines?: readonly ContainerHost[],
): Promise<FaultHolder[]> {
  return (await findFaultHolders(projectName, service, engines)).filter((h) => h.State === "running");
}

/**
 * What is in force on each running service of `target` (or on `service`), read from the kernel in
 * each namespace, with the deadline of the helper that holds it.
 */
export async function listFaults(target: FaultTarget, service?: string): Promise<ServiceFaults[]> {
  const containers = await requireServiceContainers(target.projectName, service, target.engines);
  const holders = await findRunningFaultHolders(target.projectName, service, target.engines);
  const chosen = [...containers.values()].filter((c) => service === undefined || c.service === service);
  return Promise.all(
    chosen.map(async (container) => {
      const { exitCode, output } = await runFaultHelper(container.id, READ_FAULTS_SCRIPT, container.docker);
      if (exitCode !== 0)
        throw new SocklabError(
          "ERR_FAULT_FAILED",
          `could not read the faults of ${container.service}: ${output}`,
        );
      const mine = holders.filter((h) => h.Labels[FAULT_LABELS.service] === container.service);
      const faults = parseFaultState(output).map((fault) => {
        const holder = mine.find((h) =>
          fault.mechanism === "nftables"
            ? fault.name.endsWith(`${FAULT_TABLE_PREFIX}${h.Labels[FAULT_LABELS.id] ?? ""}`)
            : QDISC_KINDS.has(h.Labels[FAULT_LABELS.kind] ?? ""),
        );
        const expiresAt = holder?.Labels[FAULT_LABELS.expiresAt];
        return {
          ...fault,
          ...(holder && expiresAt ? { expiresAt: new Date(expiresAt), holderId: holder.Id } : {}),
        };
      });
      return { service: container.service, faults };
    }),
  );
}

const QDISC_KINDS = new Set(["bandwidth", "delay", "duplicate", "reorder"]);
