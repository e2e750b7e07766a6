import { SocklabError } from "../../protocol/socklab-error.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";

/** A service's address on the lab network as the workbench resolves it (sockperf takes addresses only). */
export async function resolveInWorkbench(lab: Lab, service: string): Promise<string> {
  const line = await lab.sh("workbench", `getent ahostsv4 ${service} | head -n 1`);
  const address = line.trim().split(/\s+/)[0];
  if (!address) throw new SocklabError("ERR_BENCH_RESOLVE", `${service} does not resolve in the workbench`);
  return address;
}
