import type { ConnectionEnd } from "./socket-matchers.ts";
import { readContainerTable, type LabContainer } from "./wait-for-socket.ts";

/** Both ends' tables, read at once, each carrying the other for failure messages. */
export async function readEnds(a: LabContainer, b: LabContainer): Promise<[ConnectionEnd, ConnectionEnd]> {
  const [tableA, tableB] = await Promise.all([readContainerTable(a), readContainerTable(b)]);
  return [
    { ...tableA, peer: tableB },
    { ...tableB, peer: tableA },
  ];
}
