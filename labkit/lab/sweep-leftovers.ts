import { COMPOSE_PROJECT_LABEL, TEST_PROJECT_PREFIX } from "./lab-project.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { FAULT_LABELS } from "../fault/run-fault-helper.ts";

export interface SweepReport {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Removes what earlier test runs left behind (an aborted run, a killed worker): every container,
 * network and volume of a compose project named with the test prefix. The user's own lab is a
 * different project and is left alone.
 */
export async function sweepLeftovers(prefix = TEST_PROJECT_PREFIX): Promise<SweepReport> {
  const docker = dockerClient();
  const isLeftover = (labels: Record<string, string> | null | undefined) =>
    (labels?.[COMPOSE_PROJECT_LABEL] ?? "").startsWith(prefix);
  const filters = JSON.stringify({ label: [COMPOSE_PROJECT_LABEL] });

  // Fault helpers first: they share a lab container's network namespace and carry no compose label.
  const helpers = (
    await docker.listContainers({ all: true, filters: JSON.stringify({ label: [FAULT_LABELS.project] }) })
  ).filter((c) => (c.Labels[FAULT_LABELS.project] ?? "").startsWith(prefix));
  await Promise.all(helpers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const containers = (await docker.listContainers({ all: true, filters })).filter((c) =>
    isLeftover(c.Labels),
  );
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = (await docker.listNetworks({ filters })).filter((n) => isLeftover(n.Labels));
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the engine sends null for none
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => isLeftover(v.Labels));
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove({ force: true })));

  return {
    containers: [...helpers, ...containers].map((c) => c.Names[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
    volumes: volumes.map((v) => v.Name),
  };
}
