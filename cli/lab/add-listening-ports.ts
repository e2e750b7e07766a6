import type { ContainerHost } from "../../labkit/docker/container-host.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import type { SocketEntry } from "../../labkit/socket-table/socket-entry.ts";
import { mergePorts, type ServicePort, type ServiceStatus } from "./read-lab-status.ts";

/**
 * The status with each running container's listening ports added: TCP sockets in LISTEN and UDP
 * sockets not connected to a peer (UNCONN), read from its network namespace, as `socklab netstat`
 * reads them. The lab's compose file and images declare no ports (the network is internal), so
 * this is where the services' ports are known from. A container whose table cannot be read keeps
 * the ports it declares.
 */
export async function addListeningPorts(
  status: readonly ServiceStatus[],
  /** The engine that holds a container, for a lab across hosts; the default engine otherwise. */
  engineOf: (s: ServiceStatus) => ContainerHost["docker"] | undefined = () => undefined,
): Promise<ServiceStatus[]> {
  return Promise.all(
    status.map(async (s) => {
      if (s.state !== "running") return s;
      const entries = await readSocketTable(s.container, s.service, engineOf(s)).then(
        (table) => table.entries,
        () => [],
      );
      return { ...s, ports: mergePorts([...s.ports, ...entries.filter(isListening).map(toPort)]) };
    }),
  );
}

// Sockets bound to loopback are unreachable from the lab, and Docker's embedded DNS keeps two in
// every container of a user-defined network (127.0.0.11, random ports, held by dockerd).
function isListening(entry: SocketEntry): boolean {
  const listening =
    (entry.protocol === "tcp" && entry.state === "LISTEN") ||
    (entry.protocol === "udp" && entry.state === "UNCONN");
  return listening && !isLoopback(entry.localAddress);
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.");
}

function toPort(entry: SocketEntry): ServicePort {
  return { port: entry.localPort, protocol: entry.protocol, published: [] };
}
