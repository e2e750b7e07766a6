import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL } from "../lab/lab-project.ts";

const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

/** A running container of a compose project, as faults need it. */
export interface ServiceContainer {
  service: string;
  id: string;
  /** Its IPv4 addresses on every network it is on. */
  addresses: string[];
}

/** The running containers of compose project `projectName`, by service name (sorted). */
export async function findServiceContainers(projectName: string): Promise<Map<string, ServiceContainer>> {
  const filters = JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${projectName}`], status: ["running"] });
  const containers = await dockerClient().listContainers({ filters });
  const found = containers
    .map((c) => ({
      service: c.Labels[COMPOSE_SERVICE_LABEL] ?? c.Names[0] ?? c.Id,
      id: c.Id,
      addresses: Object.values(c.NetworkSettings.Networks)
        .map((n) => n.IPAddress)
        .filter(Boolean),
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
  return new Map(found.map((c) => [c.service, c]));
}

/**
 * The running containers of `projectName`, as findServiceContainers gives them, after checking that
 * `service` (when given) is one of them: ERR_FAULT_ARGUMENT naming the valid services otherwise.
 */
export async function requireServiceContainers(
  projectName: string,
  service?: string,
): Promise<Map<string, ServiceContainer>> {
  const containers = await findServiceContainers(projectName);
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
