import { randomBytes } from "node:crypto";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { ContainerHost } from "../docker/container-host.ts";
import { execInContainer, type ExecOptions, type ExecResult } from "../docker/exec-in-container.ts";
import { applyFault } from "../fault/apply-fault.ts";
import { ensureFaultHelperImage, FAULT_HELPER_IMAGE } from "../fault/fault-helper-image.ts";
import { startTrace } from "../trace/start-trace.ts";
import { COMPOSE_PROJECT_LABEL, TEST_PROJECT_PREFIX } from "../lab/lab-project.ts";
import { ownerSegment } from "../lab/lab-owner.ts";
import type { Lab } from "../lab/start-lab.ts";
import type { LabContainer } from "../socket-table/wait-for-socket.ts";
import {
  composeOnHost,
  prepareCrossHostProject,
  serviceImages,
  type CrossHostProject,
} from "./compose-on-host.ts";
import { connectHost, localEngineHost, type EngineHost } from "./engine-host.ts";
import { CROSS_HOST_LAB_LABEL } from "./find-cross-host-containers.ts";
import { formSwarm, type Swarm } from "./form-swarm.ts";
import type { HostSpec } from "./hosts-file.ts";
import type { Placement } from "./parse-placement.ts";
import { runDockerCli } from "./run-docker-cli.ts";
import { stopCrossHostLab } from "./stop-cross-host-lab.ts";
import { transferImages } from "./transfer-images.ts";

/** A lab container that knows its host: its socket table is read on its own engine. */
export interface HostedContainer extends LabContainer {
  host: NonNullable<LabContainer["host"]>;
}

export interface AttachOptions {
  /** Default: the workbench's image. */
  image?: string;
  /** Default: `sleep infinity`, a container to exec clients in. */
  command?: readonly string[];
}

/** A lab whose services run on several Docker hosts joined by a swarm overlay. */
export interface CrossHostLab extends Lab {
  readonly swarm: Swarm;
  readonly hosts: readonly EngineHost[];
  container(service: string): HostedContainer;
  /** The host a service (or attached container) runs on. */
  hostOf(service: string): string;
  /** Starts a service on `hostName`, healthy, then removes it from its old host; same name on the overlay. */
  move(service: string, hostName: string): Promise<HostedContainer>;
  /** Starts a hardened extra container on `hostName`, on the lab's overlay, named `name` there. */
  attach(hostName: string, name: string, options?: AttachOptions): Promise<HostedContainer>;
  /**
   * Leaves the lab running and lets go of what this process made for it (the generated compose
   * override in the temp folder), for a command that starts a lab and exits: `down` of another
   * process (stopCrossHostLab) removes the lab. Nothing but down() may be called after it.
   */
  leaveRunning(): Promise<void>;
}

export interface StartCrossHostLabOptions {
  hosts: readonly HostSpec[];
  /** Every service to run, with its host: `{ "tcp-echo": "h2", workbench: "h1" }`. */
  placement: Placement;
  /** Compose files layered over docker-compose.yml (relative to the repository root). */
  overrides?: readonly string[];
  /** A fixed project name (the CLI's); a fresh test-prefixed one by default. */
  projectName?: string;
  /** Where images come from; the local engine (where `docker compose build` ran) by default. */
  imageSource?: EngineHost;
}

// The workbench comes last: its clients expect the services up, and compose's depends_on cannot
// reach across engines (every host starts its own services with --no-deps).
const LAST_SERVICE = "workbench";
// The trace's helpers need python3 and tcpdump: the workbench's image has both.
const DEFAULT_TRACE_HELPER_IMAGE = "socklab/workbench:latest";

/**
 * Starts a lab across hosts: a swarm of them, an attachable internal overlay for the lab, images
 * copied where they are missing, and plain compose on each host (`up --wait --no-deps`) for
 * the services placed there, so every hardening key and healthcheck of the compose file holds.
 */
export async function startCrossHostLab(options: StartCrossHostLabOptions): Promise<CrossHostLab> {
  const hosts = await Promise.all(options.hosts.map(connectHost));
  const hostByName = new Map(hosts.map((host) => [host.name, host]));
  const placedOn = (hostName: string) => {
    const host = hostByName.get(hostName);
    if (!host) throw new SocklabError("ERR_PLACEMENT", `no host named ${hostName}`);
    return host;
  };
  for (const hostName of Object.values(options.placement)) placedOn(hostName);

  const projectName =
    options.projectName ?? `${TEST_PROJECT_PREFIX}${ownerSegment()}x${randomBytes(4).toString("hex")}`;
  const overlayName = `${projectName}_labnet`;
  // Everything read before anything is made, so that a bad file or a missing image leaves nothing.
  const project = await prepareCrossHostProject(projectName, overlayName, options.overrides);
  const source = options.imageSource ?? localEngineHost();
  const disposeOnFailure = async (error: unknown): Promise<never> => {
    await project.dispose();
    throw error;
  };
  const images = await serviceImages(source, project).catch(disposeOnFailure);
  const swarm = await formSwarm(hosts).catch(disposeOnFailure);
  const state: LabState = {
    project,
    swarm,
    hosts,
    source,
    images,
    placement: new Map(),
    containers: new Map(),
  };
  const lab = wrap(state, overlayName, placedOn);
  try {
    await runDockerCli(swarm.manager, [
      "network",
      "create",
      "--driver",
      "overlay",
      "--attachable",
      "--internal",
      "--label",
      `${CROSS_HOST_LAB_LABEL}=${projectName}`,
      overlayName,
    ]);
    const services = Object.entries(options.placement);
    await startServices(
      state,
      services.filter(([service]) => service !== LAST_SERVICE),
      placedOn,
    );
    await startServices(
      state,
      services.filter(([service]) => service === LAST_SERVICE),
      placedOn,
    );
  } catch (error) {
    await lab.down().catch(() => undefined);
    throw error;
  }
  return lab;
}

/** Every host as faults and traces take them: a name and its dockerode client. */
function engines(state: LabState): ContainerHost[] {
  return state.hosts.map((host) => ({ name: host.name, docker: host.docker() }));
}

/** Copies `images` from the lab's image source to the host of each of `services` that lacks them. */
async function copyToHostsOf(
  state: LabState,
  services: readonly string[],
  images: readonly string[],
): Promise<void> {
  const hosts = new Set(services.flatMap((service) => state.placement.get(service) ?? []));
  await Promise.all([...hosts].map((host) => transferImages(state.source, host, images)));
}

interface LabState {
  project: CrossHostProject;
  swarm: Swarm;
  hosts: readonly EngineHost[];
  source: EngineHost;
  images: ReadonlyMap<string, string>;
  /** service (or attached name) -> host */
  placement: Map<string, EngineHost>;
  containers: Map<string, HostedContainer>;
}

/** Starts services grouped by host, hosts in parallel, each host's services healthy before return. */
async function startServices(
  state: LabState,
  services: readonly (readonly [string, string])[],
  placedOn: (hostName: string) => EngineHost,
): Promise<void> {
  const byHost = Map.groupBy(services, ([, hostName]) => hostName);
  await Promise.all(
    [...byHost].map(async ([hostName, pairs]) => {
      const host = placedOn(hostName);
      await startOnHost(
        state,
        host,
        pairs.map(([service]) => service),
      );
    }),
  );
}

async function startOnHost(state: LabState, host: EngineHost, services: readonly string[]): Promise<void> {
  const images = services.map((service) => {
    const image = state.images.get(service);
    if (!image) throw new SocklabError("ERR_PLACEMENT", `no service named ${service} in the compose files`);
    return image;
  });
  await transferImages(state.source, host, [...new Set(images)]);
  await composeOnHost(host, state.project, [
    "up",
    "-d",
    "--wait",
    "--no-build",
    "--pull",
    "never",
    "--no-deps",
    ...services,
  ]);
  for (const service of services) {
    state.placement.set(service, host);
    state.containers.set(service, await findServiceContainer(state.project.projectName, host, service));
  }
}

async function findServiceContainer(
  projectName: string,
  host: EngineHost,
  service: string,
): Promise<HostedContainer> {
  const filters = JSON.stringify({
    label: [`${COMPOSE_PROJECT_LABEL}=${projectName}`, `com.docker.compose.service=${service}`],
  });
  const [found] = await host.docker().listContainers({ filters });
  if (!found) {
    throw new SocklabError(
      "ERR_LAB_CONTAINER",
      `no container of ${service} (project ${projectName}) on host ${host.name}`,
    );
  }
  return { name: service, id: found.Id, host: { name: host.name, docker: host.docker() } };
}

function wrap(
  state: LabState,
  overlayName: string,
  placedOn: (hostName: string) => EngineHost,
): CrossHostLab {
  let downed: Promise<void> | undefined;
  const container = (service: string): HostedContainer => {
    const found = state.containers.get(service);
    if (!found) throw new SocklabError("ERR_LAB_CONTAINER", `the lab runs no ${service} (on no host)`);
    return found;
  };
  const lab: CrossHostLab = {
    projectName: state.project.projectName,
    services: [...state.images.keys()].sort(),
    networkName: overlayName,
    networkNamed: (network) => `${state.project.projectName}_${network}`,
    swarm: state.swarm,
    hosts: state.hosts,
    containerId: (service) => container(service).id,
    container,
    hostOf: (service) => container(service).host.name,
    exec: (service, command, execOptions: ExecOptions = {}): Promise<ExecResult> => {
      const target = container(service);
      return execInContainer(target.id, command, { ...execOptions, docker: target.host.docker });
    },
    async sh(service, script, execOptions = {}) {
      const result = await lab.exec(service, ["sh", "-c", script], execOptions);
      if (result.exitCode !== 0) {
        throw new SocklabError(
          "ERR_LAB_EXEC",
          `in ${service} on ${lab.hostOf(service)}: \`${script}\` exited ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      }
      return result.stdout;
    },
    // Each helper runs on the engine that holds its target; its image is copied there first.
    async fault(spec) {
      await ensureFaultHelperImage();
      await copyToHostsOf(state, [spec.service], [FAULT_HELPER_IMAGE]);
      return applyFault({ projectName: lab.projectName, engines: engines(state) }, spec);
    },
    async trace(options) {
      const image = options.helperImage ?? state.images.get(LAST_SERVICE) ?? DEFAULT_TRACE_HELPER_IMAGE;
      await copyToHostsOf(state, options.services, [image]);
      return startTrace(lab, { ...options, helperImage: image });
    },
    async move(service, hostName) {
      const from = state.placement.get(service);
      if (!from) throw new SocklabError("ERR_LAB_CONTAINER", `the lab runs no ${service}`);
      // Start before stop: the new container gets an address of its own. Reusing the old one's
      // address at once can leave other hosts' overlay neighbour entries pointing at the old host.
      await startOnHost(state, placedOn(hostName), [service]);
      await composeOnHost(from, state.project, ["rm", "--stop", "--force", service]);
      return container(service);
    },
    async attach(hostName, name, attachOptions = {}) {
      const host = placedOn(hostName);
      const image = attachOptions.image ?? state.images.get(LAST_SERVICE) ?? "";
      await transferImages(state.source, host, [image]);
      const id = (
        await runDockerCli(
          host,
          attachArgs(state.project.projectName, overlayName, name, image, attachOptions),
        )
      ).trim();
      const attached: HostedContainer = { name, id, host: { name: host.name, docker: host.docker() } };
      state.placement.set(name, host);
      state.containers.set(name, attached);
      return attached;
    },
    leaveRunning: () => state.project.dispose(),
    down() {
      downed ??= stopCrossHostLab(state.hosts, state.swarm.manager, state.project.projectName).finally(() =>
        state.project.dispose(),
      );
      return downed;
    },
    [Symbol.asyncDispose]: () => lab.down(),
  };
  return lab;
}

// The workbench's posture: no capabilities but what its tools need, no privilege gain, read-only.
function attachArgs(
  projectName: string,
  overlayName: string,
  name: string,
  image: string,
  options: AttachOptions,
): string[] {
  return [
    "run",
    "--detach",
    "--name",
    `${projectName}-${name}`,
    "--hostname",
    name,
    "--network",
    overlayName,
    "--network-alias",
    name,
    "--label",
    `${CROSS_HOST_LAB_LABEL}=${projectName}`,
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--init",
    "--memory",
    "256m",
    "--pids-limit",
    "128",
    image,
    ...(options.command ?? ["sleep", "infinity"]),
  ];
}
