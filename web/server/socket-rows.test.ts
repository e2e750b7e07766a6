import { describe, expect, it } from "vitest";
import type { SocketEntry } from "../../labkit/socket-table/socket-entry.ts";
import { keysByService, socketRows, socketsEvent } from "./socket-rows.ts";

function entry(fields: Partial<SocketEntry>): SocketEntry {
  return {
    protocol: "tcp",
    family: 4,
    localAddress: "172.18.0.6",
    localPort: 41234,
    remoteAddress: "172.18.0.4",
    remotePort: 7,
    v4Mapped: false,
    state: "ESTABLISHED",
    sendQueueBytes: 0,
    receiveQueueBytes: 0,
    ...fields,
  } as SocketEntry;
}

const table = (entries: SocketEntry[]) => ({ name: "workbench", entries, readAt: new Date(0) });

describe("socket rows for the page", () => {
  it("leaves out the lab's own sockets and lists listeners first", () => {
    const rows = socketRows(
      table([
        entry({}),
        entry({
          localAddress: "127.0.0.11",
          localPort: 35000,
          remoteAddress: "0.0.0.0",
          remotePort: 0,
          state: "LISTEN",
        }),
        entry({
          localAddress: "::",
          localPort: 7,
          remoteAddress: "::",
          remotePort: 0,
          state: "LISTEN",
          family: 6,
        }),
      ]),
    );
    expect(rows.map((r) => `${r.local} ${r.state}`)).toEqual([
      "[::]:7 LISTEN",
      "172.18.0.6:41234 ESTABLISHED",
    ]);
  });

  it("marks as changed a new socket and a socket in a new state, nothing on the first read", () => {
    const first = socketsEvent(
      [{ service: "workbench", rows: socketRows(table([entry({})])) }],
      undefined,
      new Date(),
    );
    expect(first.tables[0]?.changed).toEqual([]);
    const second = socketsEvent(
      [
        {
          service: "workbench",
          rows: socketRows(table([entry({ state: "TIME_WAIT" }), entry({ localPort: 41236 })])),
        },
      ],
      keysByService(first),
      new Date(),
    );
    expect([...(second.tables[0]?.changed ?? [])].sort()).toEqual([
      "tcp 172.18.0.6:41234 172.18.0.4:7 TIME_WAIT",
      "tcp 172.18.0.6:41236 172.18.0.4:7 ESTABLISHED",
    ]);
  });
});
