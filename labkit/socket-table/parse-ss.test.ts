import { describe, expect, it } from "vitest";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { parseSs, TCP_STATE_BY_SS_NAME } from "./parse-ss.ts";
import { onlyEntry, readSocketFixture } from "./testing/read-socket-fixture.ts";

describe("parseSs on the captured output", () => {
  const serverTcp = parseSs(readSocketFixture("server", "ss-tan.txt"), "tcp");
  const clientTcp = parseSs(readSocketFixture("client", "ss-tan.txt"), "tcp");
  const clientUdp = parseSs(readSocketFixture("client", "ss-uan.txt"), "udp");

  it("reads one entry per line of ss -tanH", () => {
    expect(serverTcp).toHaveLength(16);
    expect(clientTcp).toHaveLength(9);
  });

  it("reads the dual-stack listener *:7 as :: and its peer *:* as port 0", () => {
    expect(onlyEntry(serverTcp, { localPort: 7, state: "LISTEN" })).toEqual({
      protocol: "tcp",
      family: 6,
      localAddress: "::",
      localPort: 7,
      remoteAddress: "::",
      remotePort: 0,
      v4Mapped: false,
      state: "LISTEN",
      // For LISTEN ss shows the backlog limit as Send-Q.
      sendQueueBytes: 511,
      receiveQueueBytes: 0,
    });
  });

  it("reads [::]:7003 and 0.0.0.0:* listeners", () => {
    expect(onlyEntry(serverTcp, { localPort: 7003, state: "LISTEN" })).toMatchObject({
      family: 6,
      localAddress: "::",
      remoteAddress: "::",
    });
    expect(onlyEntry(serverTcp, { localPort: 7001, state: "LISTEN" })).toMatchObject({
      family: 4,
      localAddress: "0.0.0.0",
      remoteAddress: "0.0.0.0",
      remotePort: 0,
    });
  });

  it("shows [::ffff:a.b.c.d] endpoints as IPv4 and flags them", () => {
    expect(onlyEntry(serverTcp, { remotePort: 41001 })).toMatchObject({
      family: 6,
      localAddress: "10.99.0.3",
      remoteAddress: "10.99.0.2",
      v4Mapped: true,
      state: "ESTABLISHED",
      receiveQueueBytes: 5,
    });
  });

  it("maps ss state names to netstat names", () => {
    expect(clientTcp.map((entry) => `${entry.localPort} ${entry.state}`).sort()).toEqual([
      "41001 ESTABLISHED",
      "41002 FIN_WAIT2",
      "41003 ESTABLISHED",
      "41004 ESTABLISHED",
      "41005 TIME_WAIT",
      "41006 SYN_SENT",
      "41007 FIN_WAIT1",
      "41008 ESTABLISHED",
      "41009 ESTABLISHED",
    ]);
    expect(serverTcp.map((entry) => entry.state)).toEqual(
      expect.arrayContaining(["SYN_RECV", "LAST_ACK", "CLOSE_WAIT"]),
    );
  });

  it("reads UDP UNCONN and ESTAB, and the %eth0 of a link-local bind", () => {
    expect(onlyEntry(clientUdp, { localPort: 7009 })).toEqual({
      protocol: "udp",
      family: 6,
      localAddress: "fe80::2",
      localPort: 7009,
      remoteAddress: "::",
      remotePort: 0,
      v4Mapped: false,
      state: "UNCONN",
      sendQueueBytes: 0,
      receiveQueueBytes: 0,
      boundInterface: "eth0",
    });
    expect(onlyEntry(clientUdp, { localPort: 41236 })).toMatchObject({
      localAddress: "10.99.0.2",
      remoteAddress: "10.99.0.3",
      v4Mapped: true,
      state: "ESTABLISHED",
    });
  });

  it("takes the protocol from the Netid column of ss -tuanH", () => {
    const both = parseSs(readSocketFixture("client", "ss-tuan.txt"));
    expect(both.filter((entry) => entry.protocol === "udp")).toEqual(clientUdp);
    expect(both.filter((entry) => entry.protocol === "tcp")).toEqual(clientTcp);
  });

  it("reads the first process of the -p column as the owner", () => {
    const withProcesses = parseSs(readSocketFixture("server", "ss-tanp.txt"), "tcp");
    expect(onlyEntry(withProcesses, { localPort: 7, state: "LISTEN" }).owner).toEqual({
      pid: 1,
      program: "lab-server",
    });
    expect(onlyEntry(withProcesses, { state: "SYN_RECV" }).owner).toBeUndefined();
  });

  it("reads the uid and inode of -e, and a uid of 0 where ss leaves it out", () => {
    // Lines of `ss -tanepH` in a lab container (iproute2 6.1): `uid:` is printed only when it is not 0.
    const text = [
      'ESTAB  0      0      192.168.32.6:52206 192.168.32.2:7 users:(("nc",pid=24,fd=3)) ino:421819 sk:1002 cgroup:unreachable:80a <->',
      "LISTEN    0      511                        *:7                         *:*     uid:10001 ino:416772 sk:13 cgroup:unreachable:726 v6only:0 <->",
      "TIME-WAIT 0      0                  127.0.0.1:36312             127.0.0.1:7     timer:(timewait,55sec,0) ino:0 sk:12",
    ].join("\n");
    const [established, listening, timeWait] = parseSs(text, "tcp");
    expect(established).toMatchObject({ uid: 0, inode: 421819, owner: { pid: 24, program: "nc" } });
    expect(listening).toMatchObject({ uid: 10001, inode: 416772 });
    expect(listening?.owner).toBeUndefined();
    expect(timeWait).toMatchObject({ state: "TIME_WAIT", uid: 0, inode: 0 });
  });

  it("leaves uid and inode out without -e", () => {
    const [entry] = parseSs("ESTAB 0 0 10.0.0.2:41234 10.0.0.3:7", "tcp");
    expect(entry).not.toHaveProperty("uid");
    expect(entry).not.toHaveProperty("inode");
  });
});

describe("parseSs on odd input", () => {
  it("reads an IPv4 address bound to a device, such as 127.0.0.53%lo:53", () => {
    expect(parseSs("UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*", "udp")[0]).toMatchObject({
      localAddress: "127.0.0.53",
      localPort: 53,
      boundInterface: "lo",
    });
  });

  it("reads TCP's UNCONN as CLOSE and skips a header and blank lines", () => {
    const text =
      "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nUNCONN 0 0 0.0.0.0:7900 0.0.0.0:*\n\n";
    expect(parseSs(text, "tcp").map((entry) => entry.state)).toEqual(["CLOSE"]);
    expect(TCP_STATE_BY_SS_NAME["FIN-WAIT-1"]).toBe("FIN_WAIT1");
  });

  it.each([
    [
      "service names (ss without -n)",
      "LISTEN 0 4096 0.0.0.0:echo 0.0.0.0:*",
      /has no numeric port \(run ss with -n\)/,
    ],
    ["host names", "ESTAB 0 0 localhost:7 10.0.0.1:41234", /"localhost" is not a numeric address/],
    ["an unknown state", "LISTENING 0 0 0.0.0.0:7 0.0.0.0:*", /LISTENING is not a tcp state/],
    ["a missing column", "ESTAB 0 0 10.0.0.2:7", /expected at least 5 columns/],
  ])("rejects %s, quoting the line", (_what, line, message) => {
    const parse = () => parseSs(line, "tcp");
    expect(parse).toThrow(SocklabError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(`ss output line 1:`);
  });

  it("needs the protocol when there is no Netid column", () => {
    expect(() => parseSs("ESTAB 0 0 10.0.0.2:7 10.0.0.3:41234")).toThrow(/pass the protocol/);
  });
});
