import { SocklabError } from "../../protocol/socklab-error.ts";
import { describeComposeProject, requireKnownServices } from "../../labkit/compose/compose-project.ts";
import { composeTarget } from "./compose-target.ts";
import { readLabStatus, type ServiceStatus } from "./read-lab-status.ts";
import { socklabCommand } from "../output/invoked-as.ts";

/** How to start the lab, for every message that says it is not running. */
const START_HINT = `start it with \`npm start\` or \`${socklabCommand("up")}\``;

export interface RequireLabOptions {
  /** Accept containers in any state (logs of a stopped lab); by default they must be running. */
  anyState?: boolean;
}

/**
 * The lab's containers (running ones, unless `anyState`), checked before a command needs them:
 * ERR_UNKNOWN_SERVICE (exit 2) when one of `needed` is not a service of the project at all, listing
 * those it has; ERR_LAB_DOWN (exit 5) when none run, or when one of `needed` is not among them.
 */
export async function requireRunningLab(
  needed: readonly string[] = [],
  options: RequireLabOptions = {},
): Promise<ServiceStatus[]> {
  const status = await readLabStatus();
  // A container of the project that its files do not declare (a server of `socklab run`) is known too.
  const undeclared = needed.filter((name) => !status.some((s) => s.service === name));
  if (undeclared.length > 0) await requireKnownServices(composeTarget(), undeclared);
  const usable = options.anyState ? status : status.filter((s) => s.state === "running");
  const project = describeComposeProject(composeTarget());
  if (usable.length === 0) {
    const what = options.anyState ? "no container" : "no running container";
    throw new SocklabError("ERR_LAB_DOWN", `the lab is not running (${project} has ${what}): ${START_HINT}`);
  }
  const missing = needed.filter((service) => !usable.some((s) => s.service === service));
  if (missing.length > 0) {
    const states = missing.map((service) => {
      const found = status.find((s) => s.service === service);
      return `${service} (${found ? found.state : "no such container"})`;
    });
    throw new SocklabError(
      "ERR_LAB_DOWN",
      `not running in the lab: ${states.join(", ")}; running in ${project}: ${usable.map((s) => s.service).join(", ")}; ${START_HINT}`,
    );
  }
  return usable;
}
