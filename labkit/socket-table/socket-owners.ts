import { SocklabError } from "../../protocol/socklab-error.ts";
import type { SocketOwner } from "./socket-entry.ts";

/**
 * POSIX sh (dash, coreutils readlink) that prints, for every process whose fds it may read, one
 * line per socket fd: `PID<TAB>PROGRAM<TAB>INODE`. PROGRAM is named as `netstat -p` names it: the
 * base name of argv[0] from /proc/PID/cmdline (`node`), falling back to /proc/PID/comm where the
 * command line is empty; comm alone would say `MainThread` for Node, which names its main thread.
 * Run as root or as the service's uid: other users' /proc/PID/fd are unreadable and are skipped,
 * with all errors sent to /dev/null, and the script always exits 0. It runs in a subshell, so it
 * can be appended to a longer script (`cat /proc/net/tcp; ${SOCKET_OWNERS_SCRIPT}`).
 */
export const SOCKET_OWNERS_SCRIPT = String.raw`(
  exec 2>/dev/null
  cd /proc || exit 0
  for pid in [0-9]*; do
    IFS= read -r program < "$pid/comm" || continue
    named=
    readlink "$pid"/fd/* | while IFS='[]' read -r kind inode _; do
      [ "$kind" = "socket:" ] || continue
      # The command line is read once, and only for a process that holds a socket: this runs at every poll.
      if [ -z "$named" ]; then
        argv0=$(tr '\0' '\n' < "$pid/cmdline" | head -n 1)
        if [ -n "$argv0" ]; then program=${"${argv0##*/}"}; fi
        named=1
      fi
      printf '%s\t%s\t%s\n' "$pid" "$program" "$inode"
    done
  done
  exit 0
)
`;

const DECIMAL = /^\d+$/;

function parseOwnerLine(line: string, lineNumber: number): { inode: number; owner: SocketOwner } {
  const fields = line.split("\t");
  const pid = fields[0] ?? "";
  const inode = fields.at(-1) ?? "";
  // The program name sits between pid and inode, so a tab inside it cannot shift the numbers.
  const program = fields.slice(1, -1).join("\t");
  if (fields.length < 3 || !DECIMAL.test(pid) || !DECIMAL.test(inode)) {
    throw new SocklabError(
      "ERR_SOCKET_OWNERS_FORMAT",
      `socket owners line ${lineNumber}: expected "PID<TAB>PROGRAM<TAB>INODE", got ${JSON.stringify(line)}`,
    );
  }
  return { inode: Number(inode), owner: { pid: Number(pid), program } };
}

/**
 * Reads the output of SOCKET_OWNERS_SCRIPT into owners by socket inode. A socket shared by several
 * processes (fork, SCM_RIGHTS) keeps the lowest pid, which is usually the parent that opened it.
 */
export function parseSocketOwners(text: string): Map<number, SocketOwner> {
  const owners = new Map<number, SocketOwner>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const { inode, owner } = parseOwnerLine(line, index + 1);
    const known = owners.get(inode);
    if (!known || owner.pid < known.pid) owners.set(inode, owner);
  });
  return owners;
}

/**
 * Returns the entries with `owner` set where their inode has one. Inode 0 (TIME_WAIT, SYN_RECV,
 * not yet accepted, orphaned) belongs to no process and never gets an owner.
 */
export function attachOwners<T extends { inode: number; owner?: SocketOwner }>(
  entries: readonly T[],
  owners: ReadonlyMap<number, SocketOwner>,
): T[] {
  return entries.map((entry) => {
    const owner = entry.inode === 0 ? undefined : owners.get(entry.inode);
    return owner ? { ...entry, owner } : entry;
  });
}
