import { SocklabError } from "../../protocol/socklab-error.ts";
import type { FoundContainer } from "../../labkit/hosts/find-cross-host-containers.ts";
import type { CrossHostTarget } from "./hosts-target.ts";
import { readCrossHostStatus } from "./read-cross-host-status.ts";
import type { ServiceStatus } from "./read-lab-status.ts";
import { socklabCommand } from "../output/invoked-as.ts";

/** The running containers of a lab across hosts, each with the container (and host) it is. */
export interface RunningAcross {
  running: ServiceStatus[];
  containerOf: (s: ServiceStatus) => FoundContainer | undefined;
}

/**
 * The lab's running containers on the hosts of `target`, checked before a command needs them:
 * ERR_LAB_DOWN (exit 5) when none run, or when one of `needed` is not among them.
 */
export async function requireRunningAcross(
  target: CrossHostTarget,
  needed: readonly string[] = [],
): Promise<RunningAcross> {
  const { status, containerOf } = await readCrossHostStatus(target);
  const running = status.filter((s) => s.state === "running");
  const missing = needed.filter((service) => !running.some((s) => s.service === service));
  if (running.length === 0 || missing.length > 0)
    throw new SocklabError(
      "ERR_LAB_DOWN",
      `not running on the hosts of ${target.file} (lab ${target.projectName}): ${missing.join(", ") || "any container"}; start it with \`${socklabCommand("up")}\``,
    );
  return { running, containerOf };
}
