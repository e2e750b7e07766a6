import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import { filterSockets } from "../../labkit/socket-table/filter-sockets.ts";
import type { SocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { socketKey } from "../../labkit/socket-table/socket-key.ts";
import type { SocketRow, SocketsEvent } from "./page-events.ts";

// Listening sockets first, then by state and ends, so that rows stay put between reads.
const STATE_ORDER = ["LISTEN", "UNCONN"];

/** A container's table as page rows: the lab's own sockets (DNS, healthchecks) left out, as netstat does. */
export function socketRows(table: SocketTable): SocketRow[] {
  return filterSockets(table.entries, { showInternal: false })
    .map((entry) => ({
      key: socketKey(entry),
      protocol: entry.protocol,
      local: formatEndpoint(entry.localAddress, entry.localPort),
      remote: formatEndpoint(entry.remoteAddress, entry.remotePort),
      state: entry.state,
      sendQueueBytes: entry.sendQueueBytes,
      receiveQueueBytes: entry.receiveQueueBytes,
      ...(entry.owner ? { program: entry.owner.program } : {}),
    }))
    .sort(compareRows);
}

function compareRows(a: SocketRow, b: SocketRow): number {
  const rank = (row: SocketRow) => {
    const index = STATE_ORDER.indexOf(row.state);
    return index === -1 ? STATE_ORDER.length : index;
  };
  return rank(a) - rank(b) || a.key.localeCompare(b.key);
}

/**
 * The sockets event for this read: each table's rows, and which of them are new since the
 * previous read (a new socket, or one in a new state); nothing is new on the first read.
 */
export function socketsEvent(
  tables: readonly { service: string; rows: readonly SocketRow[] }[],
  previous: ReadonlyMap<string, ReadonlySet<string>> | undefined,
  readAt: Date,
): SocketsEvent {
  return {
    readAt: readAt.toISOString(),
    tables: tables.map(({ service, rows }) => {
      const before = previous?.get(service);
      return {
        service,
        rows,
        changed: before ? rows.map((r) => r.key).filter((key) => !before.has(key)) : [],
      };
    }),
  };
}

/** The keys of each table, to compare the next read against. */
export function keysByService(event: SocketsEvent): Map<string, Set<string>> {
  return new Map(event.tables.map((t) => [t.service, new Set(t.rows.map((r) => r.key))]));
}
