import { SocklabError } from "../../protocol/socklab-error.ts";
import { TCP_STATE_BY_CODE, UDP_STATE_BY_CODE } from "./parse-proc-net.ts";
import type { SocketEntry, SocketState } from "./socket-entry.ts";

/** Docker's embedded DNS server, which keeps two sockets in every container of a user-defined network. */
export const DOCKER_DNS_ADDRESS = "127.0.0.11";

export interface SocketFilter {
  /** Keep rows whose local or remote port is one of these. */
  ports?: readonly number[];
  /** Keep rows in one of these states. */
  states?: readonly SocketState[];
  /** Keep the rows the lab makes for itself (DNS resolver, healthchecks); hidden by default. */
  showInternal?: boolean;
}

export const SOCKET_STATES: readonly SocketState[] = [
  ...new Set([...Object.values(TCP_STATE_BY_CODE), ...Object.values(UDP_STATE_BY_CODE)]),
];

/**
 * A row the lab makes for itself, not the learner: Docker's DNS resolver, and connections with
 * both ends on loopback (each healthcheck connects to its own service on 127.0.0.1 or ::1).
 */
export function isLabInternal(entry: SocketEntry): boolean {
  if (entry.localAddress === DOCKER_DNS_ADDRESS) return true;
  return isLoopback(entry.localAddress) && isLoopback(entry.remoteAddress);
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.");
}

export function filterSockets(entries: readonly SocketEntry[], filter: SocketFilter): SocketEntry[] {
  return entries.filter(
    (entry) =>
      (filter.showInternal === true || !isLabInternal(entry)) &&
      (filter.ports === undefined ||
        filter.ports.some((p) => p === entry.localPort || p === entry.remotePort)) &&
      (filter.states === undefined || filter.states.includes(entry.state)),
  );
}

/** `time-wait`, `TIME_WAIT`, `time_wait` -> TIME_WAIT; ERR_USAGE listing the states for anything else. */
export function parseSocketState(text: string): SocketState {
  const name = text.trim().toUpperCase().replace(/-/g, "_");
  const state = SOCKET_STATES.find((s) => s === name);
  if (!state)
    throw new SocklabError(
      "ERR_USAGE",
      `no socket state ${JSON.stringify(text)}; the states: ${SOCKET_STATES.join(", ")}`,
    );
  return state;
}
