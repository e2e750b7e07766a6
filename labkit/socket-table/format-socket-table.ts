import type { SocketSummary } from "./socket-entry.ts";

/** What a row needs: any /proc/net entry or ss entry fits. */
export type SocketTableRow = SocketSummary & { boundInterface?: string };

export interface FormatSocketTableOptions {
  /** A first line above the header, e.g. `tcp-echo (172.18.0.2)`. */
  title?: string;
  /** Rows to mark with `*` in a first column (what changed since a last look); no column without it. */
  marked?: (row: SocketTableRow) => boolean;
}

interface Column {
  header: string;
  alignRight: boolean;
  cell: (row: SocketTableRow) => string;
}

/** `10.99.0.2:41001`, `[fd00:99::3]:7`, `[fe80::2]%eth0:7009`; port 0 (no peer) as `*`, like netstat. */
function formatTableEndpoint(address: string, port: number, boundInterface?: string): string {
  const host = address.includes(":") ? `[${address}]` : address;
  return `${host}${boundInterface === undefined ? "" : `%${boundInterface}`}:${port === 0 ? "*" : port}`;
}

// Columns of `netstat -tanp`; IPv6 sockets are labelled tcp6/udp6 as net-tools does.
const COLUMNS: readonly Column[] = [
  { header: "Proto", alignRight: false, cell: (row) => `${row.protocol}${row.family === 6 ? "6" : ""}` },
  { header: "Recv-Q", alignRight: true, cell: (row) => String(row.receiveQueueBytes) },
  { header: "Send-Q", alignRight: true, cell: (row) => String(row.sendQueueBytes) },
  {
    header: "Local Address",
    alignRight: false,
    cell: (row) => formatTableEndpoint(row.localAddress, row.localPort, row.boundInterface),
  },
  {
    header: "Foreign Address",
    alignRight: false,
    cell: (row) => formatTableEndpoint(row.remoteAddress, row.remotePort),
  },
  { header: "State", alignRight: false, cell: (row) => row.state },
  {
    header: "PID/Program name",
    alignRight: false,
    cell: (row) => (row.owner ? `${row.owner.pid}/${row.owner.program}` : "-"),
  },
];

function alignLine(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => {
      const width = widths[index] ?? 0;
      return COLUMNS[index]?.alignRight ? cell.padStart(width) : cell.padEnd(width);
    })
    .join(" ")
    .trimEnd();
}

/**
 * Prints sockets as `netstat -tanp` does, one row per entry in the order given, columns aligned:
 * what failure messages and `socklab netstat` show.
 */
export function formatSocketTable(
  entries: readonly SocketTableRow[],
  options: FormatSocketTableOptions = {},
): string {
  const headers = COLUMNS.map((column) => column.header);
  const rows = entries.map((entry) => COLUMNS.map((column) => column.cell(entry)));
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const mark = options.marked;
  const body = rows.map((row, index) => {
    const line = alignLine(row, widths);
    if (!mark) return line;
    const entry = entries[index];
    return `${entry && mark(entry) ? "*" : " "} ${line}`;
  });
  const lines = [`${mark ? "  " : ""}${alignLine(headers, widths)}`, ...body];
  if (rows.length === 0) lines.push("(no sockets)");
  return [...(options.title === undefined ? [] : [options.title]), ...lines].join("\n");
}
