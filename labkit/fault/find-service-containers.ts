import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { ContainerHost } from "../docker/container-host.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL } from "../lab/lab-project.ts";

const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

/** A running container of a compose project, as faults need it. */
export interface ServiceContainer {
  service: string;
  id: string;
  /** Its IPv4 addresses on every network it is on. */
  addresses: string[];
  /** The engine that holds it: where its helpers must run. */
  docker: Docker;
  /** Its host's name, for a lab across hosts. */
  hostName?: string;
}

/** The engines to look on: the given hosts, or the default engine alone. */
export function engineList(engines?: readonly ContainerHost[]): readonly ContainerHost[] {
  return engines && engines.length > 0 ? engines : [{ name: "", docker: dockerClient() }];
}

/**
 * The running containers of compose project `projectName`, by service name (sorted), on the
 * default engine or on each of `engines` (a lab across hosts).
 */
export async function findServiceContainers(
  projectName: string,
  engines?: readonly ContainerHost[],
): Promise<Map<string, ServiceContainer>> {
  const filters = JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${projectName}`], status: ["running"] });
  const perEngine = await Promise.all(
    engineList(engines).map(async (engine) =>
      (await engine.docker.listContainers({ filters })).map((c): ServiceContainer => ({
        service: c.Labels[COMPOSE_SERVICE_LABEL] ?? c.Names[0] ?? c.Id,
        id: c.Id,
        addresses: Object.values(c.NetworkSettings.Networks)
          .map((n) => n.IPAddress)
          .filter(Boolean),
        docker: engine.docker,
        ...(engine.name ? { hostName: engine.name } : {}),
      })),
    ),
  );
  const found = perEngine.flat().sort((a, b) => a.service.localeCompare(b.service));
  return new Map(found.map((c) => [c.service, c]));
}

/**
 * The running containers of `projectName`, as findServiceContainers gives them, after checking that
 * `service` (when given) is one of them: ERR_FAULT_ARGUMENT naming the valid services otherwise.
 */
export async function requireServiceContainers(
  projectName: string,
  service?: string,
  engines?: readonly ContainerHost[],
): Promise<Map<string, ServiceContainer>> {
  const containers = await findServiceContainers(projectName, engines);
  if (service !== undefined && !containers.has(service))
    throw new SocklabError(
      "ERR_FAULT_ARGUMENT",
      `no running service ${service} in the lab; valid services: ${[...containers.keys()].join(", ")}`,
    );
  return containers;
}

/** The compose project a container belongs to, by its name or id: how the CLI finds the user's lab. */
export async function composeProjectOf(container: string): Promise<string> {
  const inspected = await dockerClient().getContainer(container).inspect();
  return inspected.Config.Labels[COMPOSE_PROJECT_LABEL] ?? "";
}
