import { SocklabError } from "../../protocol/socklab-error.ts";
import { waitFor } from "../wait-for.ts";
import { FAULT_DEVICE, FAULT_QDISC_HANDLE, FAULT_TABLE_PREFIX } from "./build-fault-script.ts";
import type { FaultTarget } from "./fault-spec.ts";
import { requireServiceContainers } from "./find-service-containers.ts";
import { findRunningFaultHolders } from "./list-faults.ts";
import { FAULT_LABELS, runFaultHelper } from "./run-fault-helper.ts";

export interface ClearedFaults {
  service: string;
  /** What its helpers removed (their descriptions), then what was left in the kernel without one. */
  removed: string[];
}

// Whatever socklab put in the namespace and no helper holds any more (a helper killed by force).
const REMOVE_LEFTOVERS_SCRIPT = String.raw`
nft list tables | while read -r _ family name; do
  case "$name" in ${FAULT_TABLE_PREFIX}*) nft delete table "$family" "$name" && echo "nftables table $family $name (left over)" ;; esac
done
if tc qdisc show dev ${FAULT_DEVICE} | grep -q "^qdisc [a-z_]* ${FAULT_QDISC_HANDLE} root"; then
  tc qdisc del dev ${FAULT_DEVICE} root handle ${FAULT_QDISC_HANDLE} && echo "qdisc ${FAULT_QDISC_HANDLE} on ${FAULT_DEVICE} (left over)"
fi
true
`;

const HOLDERS_END_TIMEOUT_MS = 20_000;

/**
 * Removes every fault in force on `target`'s services (or on `service`): each helper is asked to
 * remove its fault and end, then anything socklab left in a namespace without a helper goes too.
 */
export async function clearFaults(target: FaultTarget, service?: string): Promise<ClearedFaults[]> {
  const containers = await requireServiceContainers(target.projectName, service, target.engines);
  const holders = await findRunningFaultHolders(target.projectName, service, target.engines);
  await Promise.all(
    holders.map((h) =>
      h.docker
        .getContainer(h.Id)
        .kill({ signal: "SIGTERM" })
        .catch(() => undefined),
    ),
  );
  await waitFor(
    async () => {
      const running = await findRunningFaultHolders(target.projectName, service, target.engines);
      return running.length === 0 ? true : undefined;
    },
    { timeoutMs: HOLDERS_END_TIMEOUT_MS, what: "every fault helper to remove its fault and end" },
  );
  const chosen = [...containers.values()].filter((c) => service === undefined || c.service === service);
  return Promise.all(
    chosen.map(async (container) => {
      const { exitCode, output } = await runFaultHelper(
        container.id,
        REMOVE_LEFTOVERS_SCRIPT,
        container.docker,
      );
      if (exitCode !== 0)
        throw new SocklabError(
          "ERR_FAULT_FAILED",
          `could not clear the faults of ${container.service}: ${output}`,
        );
      const byHelpers = holders
        .filter((h) => h.Labels[FAULT_LABELS.service] === container.service)
        .map((h) => h.Labels[FAULT_LABELS.description] ?? h.Id);
      const leftovers = output.split("\n").filter(Boolean);
      return { service: container.service, removed: [...byHelpers, ...leftovers] };
    }),
  );
}
