import { readSocketTable, type SocketTable } from "./read-socket-table.ts";
import type { LabContainer } from "./wait-for-socket.ts";

/** One end's table, with the other end's beside it for the failure message. */
export interface ConnectionEnd extends SocketTable {
  peer?: SocketTable;
}

/** Both ends' tables, read at once, each carrying the other for failure messages. */
export async function readEnds(a: LabContainer, b: LabContainer): Promise<[ConnectionEnd, ConnectionEnd]> {
  const [tableA, tableB] = await Promise.all([readSocketTable(a.id, a.name), readSocketTable(b.id, b.name)]);
  return [
    { ...tableA, peer: tableB },
    { ...tableB, peer: tableA },
  ];
}
