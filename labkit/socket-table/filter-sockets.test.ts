import { describe, expect, it } from "vitest";
import { filterSockets, isLabInternal, parseSocketState, SOCKET_STATES } from "./filter-sockets.ts";
import type { SocketEntry } from "./socket-entry.ts";

const BASE: SocketEntry = {
  protocol: "tcp",
  family: 4,
  localAddress: "172.18.0.2",
  localPort: 7,
  remoteAddress: "172.18.0.3",
  remotePort: 41000,
  v4Mapped: false,
  state: "ESTABLISHED",
  receiveQueueBytes: 0,
  sendQueueBytes: 0,
  timer: { kind: "none", remainingMs: 0 },
  retransmits: 0,
  inode: 1,
  uid: 0,
};

const entry = (fields: Partial<SocketEntry>): SocketEntry => ({ ...BASE, ...fields });

const echo = entry({});
const listen = entry({ localPort: 7, remoteAddress: "0.0.0.0", remotePort: 0, state: "LISTEN" });
const dns = entry({
  protocol: "udp",
  localAddress: "127.0.0.11",
  localPort: 53001,
  remotePort: 0,
  state: "UNCONN",
});
const health = entry({
  localAddress: "127.0.0.1",
  localPort: 7,
  remoteAddress: "127.0.0.1",
  remotePort: 50000,
  state: "TIME_WAIT",
});
const health6 = entry({ family: 6, localAddress: "::1", remoteAddress: "::1", state: "TIME_WAIT" });

describe("filterSockets", () => {
  it("hides Docker's DNS resolver and loopback healthcheck connections unless asked", () => {
    expect(filterSockets([echo, listen, dns, health, health6], {})).toEqual([echo, listen]);
    expect(filterSockets([echo, dns, health], { showInternal: true })).toEqual([echo, dns, health]);
    expect([dns, health, health6].every(isLabInternal)).toBe(true);
    expect(isLabInternal(entry({ localAddress: "127.0.0.1", remoteAddress: "172.18.0.3" }))).toBe(false);
  });

  it("keeps rows whose local or remote port is given", () => {
    const client = entry({ localPort: 41000, remotePort: 7 });
    const other = entry({ localPort: 9000, remotePort: 42000 });
    expect(filterSockets([echo, client, other], { ports: [7] })).toEqual([echo, client]);
  });

  it("keeps rows in the states given", () => {
    expect(filterSockets([echo, listen], { states: ["LISTEN"] })).toEqual([listen]);
  });
});

describe("parseSocketState", () => {
  it("takes a state in any case, with dashes or underscores", () => {
    expect(parseSocketState("time-wait")).toBe("TIME_WAIT");
    expect(parseSocketState("Close_Wait")).toBe("CLOSE_WAIT");
    expect(SOCKET_STATES).toContain("UNCONN");
  });

  it("refuses a name that is no state, listing the states", () => {
    expect(() => parseSocketState("WAITING")).toThrow(/no socket state "WAITING"; the states: .*LISTEN/);
  });
});
