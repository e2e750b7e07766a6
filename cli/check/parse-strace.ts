/** One finished system call from an strace log: `connect(3, {...}, 16) = 0`. */
export interface SyscallRecord {
  /** The thread's id when strace ran with -f, else undefined. */
  readonly pid: number | undefined;
  readonly name: string;
  /** The arguments as strace printed them, split at top-level commas. */
  readonly args: readonly string[];
  /** The return value; -1 for a failed call (its errno is in `error`). */
  readonly result: number;
  readonly error: string | undefined;
}

const CALL = /^(?:\[pid\s+)?(\d+)?\]?\s*([a-z_0-9]+)\((.*)\)\s+=\s+(-?\d+|\?)(?:\s+([A-Z][A-Z0-9_]+))?/;
const UNFINISHED = /^(?:\[pid\s+)?(\d+)?\]?\s*([a-z_0-9]+)\((.*) <unfinished \.\.\.>$/;
const RESUMED = /^(?:\[pid\s+)?(\d+)?\]?\s*<\.\.\. ([a-z_0-9]+) resumed>(.*)$/;

/**
 * Parses `strace [-f] -o FILE` output into finished calls. With -f, a call interrupted by another
 * thread's is printed in two lines (`<unfinished ...>`, `<... accept4 resumed>`): they are joined.
 * Signals, exits and anything else strace prints are skipped.
 */
export function parseStrace(text: string): SyscallRecord[] {
  const pending = new Map<string, string>();
  const records: SyscallRecord[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const unfinished = UNFINISHED.exec(line);
    if (unfinished) {
      pending.set(
        `${unfinished[1] ?? ""}/${unfinished[2] ?? ""}`,
        `${unfinished[2] ?? ""}(${unfinished[3] ?? ""}`,
      );
      continue;
    }
    const resumed = RESUMED.exec(line);
    const joined = resumed ? joinResumed(pending, resumed) : line;
    const record = joined === undefined ? undefined : parseCall(joined);
    if (record) records.push(record);
  }
  return records;
}

function joinResumed(pending: Map<string, string>, resumed: RegExpExecArray): string | undefined {
  const key = `${resumed[1] ?? ""}/${resumed[2] ?? ""}`;
  const start = pending.get(key);
  if (start === undefined) return undefined;
  pending.delete(key);
  const head = start.trimEnd().replace(/,$/, "");
  const rest = (resumed[3] ?? "").trim().replace(/^,\s*/, "");
  const pidPrefix = resumed[1] === undefined ? "" : `${resumed[1]} `;
  return `${pidPrefix}${head}${head.endsWith("(") || rest.startsWith(")") ? "" : ", "}${rest}`;
}

function parseCall(line: string): SyscallRecord | undefined {
  const match = CALL.exec(line);
  if (!match || match[4] === "?") return undefined;
  return {
    pid: match[1] === undefined ? undefined : Number(match[1]),
    name: match[2] ?? "",
    args: splitArgs(match[3] ?? ""),
    result: Number(match[4]),
    error: match[5],
  };
}

/** Splits at commas outside braces, brackets and quotes: `3, {sa_family=AF_INET, ...}, 16`. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === "\\") {
        current += char + (text[i + 1] ?? "");
        i += 1;
        continue;
      }
      if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === "{" || char === "[" || char === "(") depth += 1;
    else if (char === "}" || char === "]" || char === ")") depth -= 1;
    else if (char === "," && depth === 0) {
      args.push(current.trim());
      current = "";
      continue;
    }
    current += char;
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

/** The port in a sockaddr argument: `{sa_family=AF_INET, sin_port=htons(9009), ...}` is 9009. */
export function portOf(sockaddr: string | undefined): number | undefined {
  const match = /sin6?_port=htons\((\d+)\)/.exec(sockaddr ?? "");
  return match ? Number(match[1]) : undefined;
}

const isTcpSocketCall = (call: SyscallRecord): boolean =>
  call.name === "socket" &&
  call.result >= 0 &&
  /[AP]F_INET6?/.test(call.args[0] ?? "") &&
  /SOCK_STREAM/.test(call.args[1] ?? "");

/**
 * The calls made on TCP sockets, in order, and the socket() calls that made them. A descriptor is
 * followed through its life, since numbers are reused: Python's name lookup connects a UDP socket
 * to the resolver on port 53 as descriptor 3, closes it, and the TCP socket is 3 again.
 */
export function callsOnTcpSockets(calls: readonly SyscallRecord[]): SyscallRecord[] {
  const tcp = new Set<number>();
  const kept: SyscallRecord[] = [];
  for (const call of calls) {
    const fd = Number(call.args[0]);
    if (call.name === "socket") {
      if (isTcpSocketCall(call)) {
        tcp.add(call.result);
        kept.push(call);
      } else tcp.delete(call.result);
      continue;
    }
    if (!tcp.has(fd)) continue;
    kept.push(call);
    if (call.name === "close") tcp.delete(fd);
    if ((call.name === "accept" || call.name === "accept4") && call.result >= 0) tcp.add(call.result);
  }
  return kept;
}
