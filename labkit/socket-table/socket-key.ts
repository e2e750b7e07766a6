import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import type { SocketSummary } from "./socket-entry.ts";

export type SocketKeyFields = Pick<
  SocketSummary,
  "protocol" | "localAddress" | "localPort" | "remoteAddress" | "remotePort" | "state"
>;

/**
 * Reduces a /proc/net entry or an ss entry to the same comparable text, e.g.
 * `tcp 172.18.0.3:41234 172.18.0.2:7 ESTABLISHED` (v4-mapped addresses as IPv4, IPv6 in brackets,
 * no peer as port 0). Queues, timers and owners are left out: /proc and ss report them differently.
 */
export function socketKey(entry: SocketKeyFields): string {
  const local = formatEndpoint(entry.localAddress, entry.localPort);
  const remote = formatEndpoint(entry.remoteAddress, entry.remotePort);
  return `${entry.protocol} ${local} ${remote} ${entry.state}`;
}
