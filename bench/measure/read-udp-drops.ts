import type { Lab } from "../../labkit/lab/start-lab.ts";

/**
 * Datagrams the kernel dropped in a container's network namespace because a socket's receive
 * buffer was full (`Udp: RcvbufErrors` in /proc/net/snmp: a header line, then a value line).
 */
export async function readUdpDrops(lab: Lab, service: string): Promise<number> {
  const lines = (await lab.sh(service, "grep '^Udp:' /proc/net/snmp")).trim().split("\n");
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf("RcvbufErrors")] ?? 0);
}
