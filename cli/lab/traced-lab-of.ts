import type { TracedLab } from "../../labkit/trace/start-trace.ts";
import { composeTarget } from "./compose-target.ts";
import type { ServiceStatus } from "./read-lab-status.ts";

/** The running lab as a trace needs it: its project (for the helpers' names), network and containers. */
export function tracedLabOf(running: readonly ServiceStatus[], services: readonly string[]): TracedLab {
  const traced = running.filter((s) => services.includes(s.service));
  return {
    // Names and labels the helpers only: the lab's containers are found by requireRunningLab.
    projectName: composeTarget().projectName ?? "socklab",
    networkName: traced[0]?.networks[0] ?? "",
    container: (service) => ({
      name: service,
      id: running.find((s) => s.service === service)?.container ?? service,
    }),
  };
}
