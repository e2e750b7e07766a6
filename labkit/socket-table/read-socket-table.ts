import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { execInContainer } from "../docker/exec-in-container.ts";
import { parseProcNet, type ProcNetFile } from "./parse-proc-net.ts";
import type { SocketEntry } from "./socket-entry.ts";
import { SOCKET_OWNERS_SCRIPT, attachOwners, parseSocketOwners } from "./socket-owners.ts";

const PROC_NET_FILES: readonly ProcNetFile[] = ["tcp", "tcp6", "udp", "udp6"];
const OWNERS_SECTION = "owners";

// One exec reads all four tables and the fd owners, so the snapshot is as close to one moment as
// /proc allows. A missing file (tcp6 with IPv6 disabled at boot) gives an empty section.
export const SNAPSHOT_SCRIPT = `${PROC_NET_FILES.map((f) => `echo '## ${f}'; cat /proc/net/${f} 2>/dev/null;`).join(" ")}
echo '## ${OWNERS_SECTION}'
${SOCKET_OWNERS_SCRIPT}`;

/** The sockets of one container's network namespace, as netstat -tuanp would list them. */
export interface SocketTable {
  /** Which container: a compose service name, or whatever the caller calls it. */
  name: string;
  entries: SocketEntry[];
  readAt: Date;
}

/**
 * Reads /proc/net/{tcp,tcp6,udp,udp6} and the socket owners inside a container, through exec on
 * `docker` (the default engine when absent).
 */
export async function readSocketTable(
  containerId: string,
  name: string,
  docker?: Docker,
): Promise<SocketTable> {
  const readAt = new Date();
  const { exitCode, stdout, stderr } = await execInContainer(
    containerId,
    ["sh", "-c", SNAPSHOT_SCRIPT],
    docker ? { docker } : {},
  );
  if (exitCode !== 0) {
    throw new SocklabError(
      "ERR_SOCKET_TABLE_READ",
      `cannot read the socket table of ${name}: exit ${exitCode}: ${stderr}`,
    );
  }
  return { name, entries: parseSnapshot(splitSections(stdout)), readAt };
}

/** The entries of a SNAPSHOT_SCRIPT run, already split into sections, with their owners attached. */
export function parseSnapshot(sections: ReadonlyMap<string, string>): SocketEntry[] {
  const owners = parseSocketOwners(sections.get(OWNERS_SECTION) ?? "");
  const entries = PROC_NET_FILES.flatMap((file) => {
    const text = sections.get(file) ?? "";
    return text.trim() === "" ? [] : parseProcNet(text, file);
  });
  return attachOwners(entries, owners);
}

/** "## tcp\n<body>## tcp6\n<body>..." -> { tcp: body, tcp6: body, ... } */
export function splitSections(text: string): Map<string, string> {
  const parts = text.split(/^## (\S+)\n/m);
  const sections = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) sections.set(parts[i] ?? "", parts[i + 1] ?? "");
  return sections;
}
