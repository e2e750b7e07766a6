import { describe, expect, it } from "vitest";
import { formatConnectionPairs } from "./format-connection-pairs.ts";
import { pairConnectionEnds } from "./pair-connection-ends.ts";
import type { SocketSummary, SocketState } from "./socket-entry.ts";

const socket = (
  local: [string, number],
  remote: [string, number],
  state: SocketState,
  protocol: "tcp" | "udp" = "tcp",
): SocketSummary => ({
  protocol,
  family: 4,
  localAddress: local[0],
  localPort: local[1],
  remoteAddress: remote[0],
  remotePort: remote[1],
  v4Mapped: false,
  state,
  sendQueueBytes: 0,
  receiveQueueBytes: 0,
});

const CLIENT = "10.0.1.5";
const SERVER = "10.0.1.3";

describe("pairConnectionEnds and formatConnectionPairs", () => {
  const client = {
    addresses: [CLIENT],
    entries: [
      socket([CLIENT, 40007], [SERVER, 7], "TIME_WAIT"),
      socket([CLIENT, 40008], [SERVER, 7], "ESTABLISHED"),
      socket([CLIENT, 50000], ["10.0.1.9", 7], "ESTABLISHED"),
      socket(["127.0.0.11", 41000], ["0.0.0.0", 0], "UNCONN", "udp"),
    ],
  };
  const server = {
    addresses: [SERVER],
    entries: [
      socket(["0.0.0.0", 7], ["0.0.0.0", 0], "LISTEN"),
      socket([SERVER, 7], [CLIENT, 40008], "ESTABLISHED"),
      socket([SERVER, 7], [CLIENT, 40009], "CLOSE_WAIT"),
    ],
  };

  it("pairs each end of a connection between the two with the other end, and keeps ends whose peer is gone", () => {
    const pairs = pairConnectionEnds(client, server);
    expect(pairs.map((p) => [p.left?.localPort, p.right?.remotePort])).toEqual([
      [40007, undefined],
      [40008, 40008],
      [undefined, 40009],
    ]);
  });

  it("prints one row per connection, the two ends' states beside each other", () => {
    const text = formatConnectionPairs(
      ["workbench on h1", "tcp-echo on h2"],
      pairConnectionEnds(client, server),
    );
    expect(text).toBe(
      [
        "workbench on h1                                  | tcp-echo on h2",
        "Proto Local Address  Foreign Address State       | State       Local Address Foreign Address",
        "tcp   10.0.1.5:40007 10.0.1.3:7      TIME_WAIT   | -",
        "tcp   10.0.1.5:40008 10.0.1.3:7      ESTABLISHED | ESTABLISHED 10.0.1.3:7    10.0.1.5:40008",
        "                                     -           | CLOSE_WAIT  10.0.1.3:7    10.0.1.5:40009",
      ].join("\n"),
    );
  });

  it("says so when the two hold no connection to each other", () => {
    expect(formatConnectionPairs(["a", "b"], [])).toMatch(/\(no connection between them\)$/);
  });
});
