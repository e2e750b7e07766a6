import { localEngineHost } from "../../labkit/hosts/engine-host.ts";
import { transferImages } from "../../labkit/hosts/transfer-images.ts";
import type { CrossHostTarget } from "./hosts-target.ts";
import type { ServiceStatus } from "./read-lab-status.ts";

/**
 * Copies `images` from this machine's engine (where `socklab up` built them) to every host that
 * holds one of `services`: the helpers of faults and traces run beside the container they serve.
 */
export async function copyToHostsOf(
  target: CrossHostTarget,
  services: readonly ServiceStatus[],
  images: readonly string[],
): Promise<void> {
  const hostNames = new Set(services.map((s) => s.host));
  const hosts = target.engines.filter((engine) => hostNames.has(engine.name));
  const source = localEngineHost();
  await Promise.all(hosts.map((host) => transferImages(source, host, images)));
}
