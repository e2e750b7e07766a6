import { COMPOSE_PROJECT_LABEL } from "../lab/lab-project.ts";
import type { EngineHost } from "./engine-host.ts";
import type { HostedContainer } from "./start-cross-host-lab.ts";

/** Labels what socklab itself starts on a host beside compose (attached containers, the overlay). */
export const CROSS_HOST_LAB_LABEL = "socklab.cross-host.lab";

const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

/** A running lab container found on one of the hosts, with its state as the engine reports it. */
export interface FoundContainer extends HostedContainer {
  /** `running`, `exited`, ...; and the health in `status`: `Up 3 minutes (healthy)`. */
  state: string;
  status: string;
}

/** Every container of a cross-host lab on every host: compose's services and attached containers. */
export async function findCrossHostContainers(
  hosts: readonly EngineHost[],
  projectName: string,
): Promise<FoundContainer[]> {
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const docker = host.docker();
      const [composed, attached] = await Promise.all(
        [`${COMPOSE_PROJECT_LABEL}=${projectName}`, `${CROSS_HOST_LAB_LABEL}=${projectName}`].map((label) =>
          docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) }),
        ),
      );
      return [...(composed ?? []), ...(attached ?? [])].map((c): FoundContainer => ({
        // An attached container is named by socklab; its image's compose labels (the workbench's,
        // say) are not its own.
        name:
          c.Labels[CROSS_HOST_LAB_LABEL] === projectName
            ? (c.Names[0] ?? c.Id).replace(`/${projectName}-`, "")
            : (c.Labels[COMPOSE_SERVICE_LABEL] ?? c.Id),
        id: c.Id,
        host: { name: host.name, docker },
        state: c.State,
        status: c.Status,
      }));
    }),
  );
  return perHost.flat();
}
