import { COMPOSE_PROJECT_LABEL, TEST_PROJECT_PREFIX } from "./lab-project.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { FAULT_LABELS } from "../fault/run-fault-helper.ts";
import { isAbandonedLab } from "./lab-owner.ts";

export interface SweepReport {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export interface SweepOptions {
  /** Also the labs of runs still going (a failed start removing its own project). */
  includeLive?: boolean;
  /** Owners whose labs are over although the process runs (the sweeping run's own process). */
  finishedPids?: readonly number[];
}

interface Resource {
  project: string;
  createdAtMs: number;
}

/**
 * Removes what earlier test runs left behind (an aborted run, a killed worker): every container,
 * network and volume of a compose project named with the test prefix whose owner is gone (see
 * lab-owner.ts: its process has exited on this machine, or it is another machine's and older than
 * 12 h). The labs of runs still going, and the user's own lab, are left alone.
 */
export async function sweepLeftovers(
  prefix = TEST_PROJECT_PREFIX,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const docker = dockerClient();
  const filters = JSON.stringify({ label: [COMPOSE_PROJECT_LABEL] });
  const projectOf = (labels: Record<string, string> | null | undefined) =>
    labels?.[COMPOSE_PROJECT_LABEL] ?? "";

  // Fault helpers share a lab container's network namespace and carry no compose label.
  const helpers = (
    await docker.listContainers({ all: true, filters: JSON.stringify({ label: [FAULT_LABELS.project] }) })
  ).map((c) => ({ ...c, project: c.Labels[FAULT_LABELS.project] ?? "", createdAtMs: c.Created * 1000 }));
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => ({
    ...c,
    project: projectOf(c.Labels),
    createdAtMs: c.Created * 1000,
  }));
  const networks = (await docker.listNetworks({ filters })).map((n) => ({
    ...n,
    project: projectOf(n.Labels),
    createdAtMs: Date.parse(n.Created),
  }));
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the engine sends null for none
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => ({
    ...v,
    project: projectOf(v.Labels),
    createdAtMs: Date.parse((v as { CreatedAt?: string }).CreatedAt ?? ""),
  }));

  const abandoned = abandonedProjects([...helpers, ...containers, ...networks, ...volumes], prefix, options);
  const isLeftover = (resource: Resource) => abandoned.has(resource.project);
  const goneHelpers = helpers.filter(isLeftover);
  await Promise.all(goneHelpers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const goneContainers = containers.filter(isLeftover);
  await Promise.all(goneContainers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const goneNetworks = networks.filter(isLeftover);
  await Promise.all(goneNetworks.map((n) => docker.getNetwork(n.Id).remove()));
  const goneVolumes = volumes.filter(isLeftover);
  await Promise.all(goneVolumes.map((v) => docker.getVolume(v.Name).remove({ force: true })));

  return {
    containers: [...goneHelpers, ...goneContainers].map((c) => c.Names[0] ?? c.Id),
    networks: goneNetworks.map((n) => n.Name),
    volumes: goneVolumes.map((v) => v.Name),
  };
}

// A project is judged once, by its oldest resource (an unreadable date counts as now: not old).
function abandonedProjects(
  resources: readonly Resource[],
  prefix: string,
  options: SweepOptions,
): Set<string> {
  const oldestMs = new Map<string, number>();
  for (const { project, createdAtMs } of resources) {
    if (!project.startsWith(prefix)) continue;
    const created = Number.isFinite(createdAtMs) ? createdAtMs : Date.now();
    oldestMs.set(project, Math.min(oldestMs.get(project) ?? created, created));
  }
  const abandoned = new Set<string>();
  for (const [project, createdAtMs] of oldestMs) {
    const finishedPids = options.finishedPids ?? [];
    if (options.includeLive || isAbandonedLab(project, { prefix, createdAtMs, finishedPids }))
      abandoned.add(project);
  }
  return abandoned;
}
