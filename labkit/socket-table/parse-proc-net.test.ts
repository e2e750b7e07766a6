import { describe, expect, it } from "vitest";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { parseProcNet, TCP_STATE_BY_CODE, UDP_STATE_BY_CODE } from "./parse-proc-net.ts";
import { onlyEntry, readFixtureEntries, readSocketFixture } from "./testing/read-socket-fixture.ts";

const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
// A captured LISTEN row (server fixture, 127.0.0.1:7010), to vary in the error cases.
const LISTEN_ROW =
  "   0: 0100007F:1B62 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99027 1 0000000027d2b98f 100 0 0 10 0";

function formatError(text: string, file: "tcp" | "tcp6" | "udp" | "udp6" = "tcp"): SocklabError {
  try {
    parseProcNet(text, file);
  } catch (error) {
    if (error instanceof SocklabError) return error;
    throw error;
  }
  throw new Error("expected parseProcNet to throw");
}

describe("parseProcNet on the captured server namespace", () => {
  const server = readFixtureEntries("server");

  it("reads every row of the four files", () => {
    expect(server.map((entry) => `${entry.protocol}${entry.family}`)).toEqual([
      ...Array<string>(9).fill("tcp4"),
      ...Array<string>(7).fill("tcp6"),
      "udp4",
      "udp6",
    ]);
  });

  it("shows the dual-stack listener of tcp6 as :: with no peer", () => {
    expect(onlyEntry(server, { family: 6, localPort: 7, state: "LISTEN" })).toEqual({
      protocol: "tcp",
      family: 6,
      localAddress: "::",
      localPort: 7,
      remoteAddress: "::",
      remotePort: 0,
      v4Mapped: false,
      state: "LISTEN",
      sendQueueBytes: 0,
      receiveQueueBytes: 0,
      timer: { kind: "none", remainingMs: 0 },
      retransmits: 0,
      uid: 0,
      inode: 99021,
    });
  });

  it("shows v4-mapped peers of the dual-stack listener as plain IPv4 and flags them", () => {
    const entry = onlyEntry(server, { remotePort: 41001 });
    expect(entry).toMatchObject({
      family: 6,
      localAddress: "10.99.0.3",
      remoteAddress: "10.99.0.2",
      v4Mapped: true,
    });
    expect(entry).toMatchObject({ state: "ESTABLISHED", receiveQueueBytes: 5, inode: 99045 });
  });

  it("counts the peer's unread FIN as one byte of CLOSE_WAIT's receive queue", () => {
    expect(onlyEntry(server, { remotePort: 41002 })).toMatchObject({
      state: "CLOSE_WAIT",
      receiveQueueBytes: 1,
      v4Mapped: true,
      inode: 98210,
    });
  });

  it("decodes IPv6, loopback and IPv4 addresses", () => {
    expect(onlyEntry(server, { remotePort: 41003 })).toMatchObject({
      localAddress: "fd00:99::3",
      remoteAddress: "fd00:99::2",
      v4Mapped: false,
    });
    expect(onlyEntry(server, { localPort: 7011 }).localAddress).toBe("::1");
    expect(onlyEntry(server, { localPort: 7010 }).localAddress).toBe("127.0.0.1");
    expect(onlyEntry(server, { localPort: 7003, state: "LISTEN" }).localAddress).toBe("::");
    expect(onlyEntry(server, { localPort: 7001, state: "LISTEN" }).localAddress).toBe("0.0.0.0");
  });

  it("parses the short SYN_RECV request row: retransmit timer, no owner", () => {
    expect(onlyEntry(server, { state: "SYN_RECV" })).toMatchObject({
      localAddress: "10.99.0.3",
      localPort: 7002,
      remoteAddress: "10.99.0.2",
      remotePort: 41006,
      timer: { kind: "retransmit", remainingMs: 870 },
      retransmits: 0,
      uid: 0,
      inode: 0,
    });
  });

  it("shows LAST_ACK of an orphaned socket with its FIN queued as one byte", () => {
    expect(onlyEntry(server, { state: "LAST_ACK" })).toMatchObject({
      remotePort: 41007,
      sendQueueBytes: 1,
      timer: { kind: "retransmit", remainingMs: 180 },
      inode: 0,
    });
  });

  it("reads bytes the application never read from the receive queue", () => {
    expect(onlyEntry(server, { remotePort: 41008 }).receiveQueueBytes).toBe(127_104);
  });

  it("reads UDP 07 as UNCONN, with the drops column", () => {
    expect(onlyEntry(server, { protocol: "udp", family: 4 })).toMatchObject({
      localAddress: "0.0.0.0",
      localPort: 7006,
      state: "UNCONN",
      inode: 99030,
      drops: 0,
    });
    expect(onlyEntry(server, { protocol: "udp", family: 6 })).toMatchObject({
      localAddress: "::",
      localPort: 7,
    });
  });
});

describe("parseProcNet on the captured client namespace", () => {
  const client = readFixtureEntries("client");

  it("parses the short TIME_WAIT row with its timer in hundredths of a second", () => {
    const entry = onlyEntry(client, { localPort: 41005 });
    expect(entry).toMatchObject({ state: "TIME_WAIT", timer: { kind: "time_wait", remainingMs: 59_820 } });
    expect(entry).toMatchObject({ uid: 0, inode: 0, remotePort: 7001 });
  });

  it("shows SYN_SENT with the SYN queued as one byte and a retransmit timer", () => {
    expect(onlyEntry(client, { localPort: 41006 })).toMatchObject({
      state: "SYN_SENT",
      sendQueueBytes: 1,
      timer: { kind: "retransmit", remainingMs: 820 },
      inode: 99050,
    });
  });

  it("shows FIN_WAIT1 retransmitting its FIN and FIN_WAIT2 with no timer", () => {
    expect(onlyEntry(client, { localPort: 41007 })).toMatchObject({
      state: "FIN_WAIT1",
      sendQueueBytes: 1,
      timer: { kind: "retransmit", remainingMs: 120 },
    });
    expect(onlyEntry(client, { localPort: 41002 })).toMatchObject({
      state: "FIN_WAIT2",
      timer: { kind: "none", remainingMs: 0 },
      inode: 99046,
    });
  });

  it("reads the keepalive and zero-window probe timers", () => {
    expect(onlyEntry(client, { localPort: 41001 }).timer).toEqual({ kind: "keepalive", remainingMs: 59_810 });
    expect(onlyEntry(client, { localPort: 41008 })).toMatchObject({
      state: "ESTABLISHED",
      sendQueueBytes: 621_192,
      timer: { kind: "zero_window_probe", remainingMs: 120 },
    });
  });

  it("reads connected UDP as ESTABLISHED, v4-mapped udp6 as IPv4, and a link-local bind", () => {
    expect(onlyEntry(client, { protocol: "udp", localPort: 41234 })).toMatchObject({
      family: 4,
      remoteAddress: "10.99.0.3",
      remotePort: 7,
      state: "ESTABLISHED",
    });
    expect(onlyEntry(client, { protocol: "udp", localPort: 41236 })).toMatchObject({
      family: 6,
      localAddress: "10.99.0.2",
      remoteAddress: "10.99.0.3",
      v4Mapped: true,
      state: "ESTABLISHED",
    });
    expect(onlyEntry(client, { protocol: "udp", localPort: 7009 })).toMatchObject({
      localAddress: "fe80::2",
      remoteAddress: "::",
      remotePort: 0,
      state: "UNCONN",
      inode: 99058,
    });
  });
});

describe("parseProcNet on odd input", () => {
  it("takes text with or without the header, ignoring blank lines", () => {
    const withHeader = parseProcNet(`${TCP_HEADER}\n${LISTEN_ROW}\n\n\n`, "tcp");
    expect(withHeader).toEqual(parseProcNet(`${LISTEN_ROW}\n`, "tcp"));
    expect(withHeader).toHaveLength(1);
  });

  it("returns no sockets for an empty file or a header alone", () => {
    expect(parseProcNet("", "tcp6")).toEqual([]);
    expect(parseProcNet(`${TCP_HEADER}\n`, "tcp")).toEqual([]);
  });

  it("rejects a row cut short, quoting the line and where it was", () => {
    const error = formatError(`${TCP_HEADER}\n   0: 0100007F:1B62 00000000:0000 0A`);
    expect(error.code).toBe("ERR_PROC_NET_FORMAT");
    expect(error.message).toBe(
      '/proc/net/tcp line 2: expected at least 10 fields; got "   0: 0100007F:1B62 00000000:0000 0A"',
    );
  });

  it("rejects tcp6 text read as tcp, since its addresses are 32 hex digits", () => {
    const tcp6 = readSocketFixture("server", "proc-net-tcp6.txt");
    expect(formatError(tcp6, "tcp").message).toMatch(/line 2: local_address needs 8 hex digits of address/);
  });

  it.each([
    ["a state code no socket has", LISTEN_ROW.replace(" 0A ", " 0C "), /st 0C is not a tcp state/],
    ["a timer code it does not know", LISTEN_ROW.replace(" 00:00000000 ", " 05:00000000 "), /tr 05/],
    [
      "an address that is not hex",
      LISTEN_ROW.replace("0100007F", "0100007G"),
      /local_address is not HEX:HEX/,
    ],
    ["a non-numeric inode", LISTEN_ROW.replace(" 99027 ", " x "), /inode is not a decimal number/],
  ])("rejects %s", (_what, line, message) => {
    expect(formatError(line).message).toMatch(message);
  });

  it("rejects TCP-only states in the UDP files", () => {
    const udpListen = LISTEN_ROW.replace(/^ {3}/, "");
    expect(formatError(udpListen, "udp").message).toMatch(/st 0A is not a udp state/);
  });

  it("knows the eleven states of tcp_states.h and the two UDP uses", () => {
    expect(Object.keys(TCP_STATE_BY_CODE)).toHaveLength(11);
    expect(TCP_STATE_BY_CODE["0B"]).toBe("CLOSING");
    expect(UDP_STATE_BY_CODE).toEqual({ "01": "ESTABLISHED", "07": "UNCONN" });
  });
});
