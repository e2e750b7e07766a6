import type { Lab } from "../../labkit/lab/start-lab.ts";

/**
 * One counter of a container's network namespace from /proc/net/snmp or /proc/net/netstat, where
 * each protocol has a header line of names and a line of values: `Udp: InDatagrams ...`.
 */
export async function readSnmpCounter(
  lab: Lab,
  service: string,
  file: "snmp" | "netstat",
  protocol: string,
  name: string,
): Promise<number> {
  const text = await lab.sh(service, `cat /proc/net/${file}`);
  const lines = text.split("\n").filter((line) => line.startsWith(`${protocol}: `));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const index = names.indexOf(name);
  if (index < 1) throw new Error(`no ${protocol} ${name} in ${service}'s /proc/net/${file}`);
  return Number(values[index]);
}
