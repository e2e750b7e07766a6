import {
  findCrossHostContainers,
  type FoundContainer,
} from "../../labkit/hosts/find-cross-host-containers.ts";
import type { CrossHostTarget } from "./hosts-target.ts";
import { declaredPorts, mergePorts, type InspectedContainer, type ServiceStatus } from "./read-lab-status.ts";

/** A lab across hosts as `socklab status` shows it, and each row's container with its host. */
export interface CrossHostStatus {
  status: ServiceStatus[];
  containerOf: (s: ServiceStatus) => FoundContainer | undefined;
}

/** Every container of the lab on every host, inspected on its own engine. */
export async function readCrossHostStatus(target: CrossHostTarget): Promise<CrossHostStatus> {
  const found = await findCrossHostContainers(target.engines, target.projectName);
  const rows = await Promise.all(
    found.map(async (c) => {
      const inspected = (await c.host.docker.getContainer(c.id).inspect()) as InspectedContainer & {
        State: { Status: string; Health?: { Status: string } };
      };
      const networks = inspected.NetworkSettings.Networks;
      const status: ServiceStatus = {
        service: c.name,
        host: c.host.name,
        container: inspected.Name.replace(/^\//, ""),
        state: inspected.State.Status,
        health: inspected.State.Health?.Status ?? "",
        addresses: Object.values(networks)
          .map((n) => n.IPAddress)
          .filter(Boolean),
        networks: Object.keys(networks),
        ports: mergePorts(declaredPorts(inspected)),
      };
      return [status, c] as const;
    }),
  );
  const byContainer = new Map(rows.map(([status, c]) => [status.container, c]));
  return {
    status: rows.map(([status]) => status).sort((a, b) => a.service.localeCompare(b.service)),
    containerOf: (s) => byContainer.get(s.container),
  };
}
