import type { SocketEntry, SocketProtocol, SocketState } from "./socket-entry.ts";

/** Which sockets a check is about: every field given must agree; the rest may be anything. */
export interface SocketMatch {
  protocol?: SocketProtocol;
  state?: SocketState | readonly SocketState[];
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  /** true: a process holds it (inode set); false: only the kernel does (TIME_WAIT, orphans, SYN_RECV). */
  owned?: boolean;
  /** Exactly this many bytes received by the kernel and not yet read by the application (Recv-Q). */
  receiveQueueBytes?: number;
  /** Exactly this many bytes sent and not yet acknowledged, a queued FIN counting 1 (Send-Q). */
  sendQueueBytes?: number;
}

export function matchesSocket(entry: SocketEntry, match: SocketMatch): boolean {
  const states = match.state === undefined ? undefined : ([] as SocketState[]).concat(match.state);
  return (
    (match.protocol === undefined || entry.protocol === match.protocol) &&
    (states === undefined || states.includes(entry.state)) &&
    (match.localAddress === undefined || entry.localAddress === match.localAddress) &&
    (match.localPort === undefined || entry.localPort === match.localPort) &&
    (match.remoteAddress === undefined || entry.remoteAddress === match.remoteAddress) &&
    (match.remotePort === undefined || entry.remotePort === match.remotePort) &&
    (match.owned === undefined || (entry.inode !== 0) === match.owned) &&
    (match.receiveQueueBytes === undefined || entry.receiveQueueBytes === match.receiveQueueBytes) &&
    (match.sendQueueBytes === undefined || entry.sendQueueBytes === match.sendQueueBytes)
  );
}

/** `tcp 172.18.0.3:* -> *:7 in TIME_WAIT, not owned`: what a failure message says was expected. */
export function describeMatch(match: SocketMatch): string {
  const endpoint = (address?: string, port?: number) => `${address ?? "*"}:${port ?? "*"}`;
  const states =
    match.state === undefined ? "" : ` in ${([] as SocketState[]).concat(match.state).join(" or ")}`;
  const owned = match.owned === undefined ? "" : match.owned ? ", held by a process" : ", held by no process";
  const queued = match.receiveQueueBytes === undefined ? "" : `, ${match.receiveQueueBytes} bytes unread`;
  const unacked = match.sendQueueBytes === undefined ? "" : `, ${match.sendQueueBytes} bytes unacknowledged`;
  return `${match.protocol ?? "tcp/udp"} ${endpoint(match.localAddress, match.localPort)} -> ${endpoint(match.remoteAddress, match.remotePort)}${states}${owned}${queued}${unacked}`;
}
