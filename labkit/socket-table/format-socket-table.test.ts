import { describe, expect, it } from "vitest";
import { formatSocketTable } from "./format-socket-table.ts";
import type { ProcNetFile } from "./parse-proc-net.ts";
import { parseSs } from "./parse-ss.ts";
import { readFixtureEntries, readSocketFixture, type FixtureSide } from "./testing/read-socket-fixture.ts";
import { attachOwners, parseSocketOwners } from "./socket-owners.ts";

function ownedEntries(side: FixtureSide, files: readonly ProcNetFile[]) {
  const owners = parseSocketOwners(readSocketFixture(side, "socket-owners.txt"));
  return attachOwners(readFixtureEntries(side, files), owners);
}

describe("formatSocketTable", () => {
  it("prints sockets as netstat -tanp does: tcp6 labelled, v4-mapped as IPv4, no peer as *", () => {
    const table = formatSocketTable(ownedEntries("server", ["tcp6"]), { title: "server (10.99.0.3)" });
    expect(table).toBe(
      [
        "server (10.99.0.3)",
        "Proto Recv-Q Send-Q Local Address     Foreign Address    State       PID/Program name",
        "tcp6       0      0 [::1]:7011        [::]:*             LISTEN      1/lab-server",
        "tcp6       0      0 [::]:7            [::]:*             LISTEN      1/lab-server",
        "tcp6       0      0 [::]:7003         [::]:*             LISTEN      1/lab-server",
        "tcp6       1      0 10.99.0.3:7       10.99.0.2:41002    CLOSE_WAIT  1/lab-server",
        "tcp6       0      0 [fd00:99::3]:7003 [fd00:99::2]:41009 ESTABLISHED 1/lab-server",
        "tcp6       0      0 [fd00:99::3]:7    [fd00:99::2]:41003 ESTABLISHED 1/lab-server",
        "tcp6       5      0 10.99.0.3:7       10.99.0.2:41001    ESTABLISHED 1/lab-server",
      ].join("\n"),
    );
  });

  it("right-aligns the queues and shows - for sockets no process holds", () => {
    const lines = formatSocketTable(ownedEntries("client", ["tcp"])).split("\n");
    expect(lines).toContain("tcp        0 621192 10.99.0.2:41008 10.99.0.3:7005  ESTABLISHED 1/lab-client");
    expect(lines).toContain("tcp        0      0 10.99.0.2:41005 10.99.0.3:7001  TIME_WAIT   -");
  });

  it("aligns every column of a mixed TCP and UDP table", () => {
    const lines = formatSocketTable(ownedEntries("client", ["tcp", "tcp6", "udp", "udp6"])).split("\n");
    const stateColumn = lines[0]?.indexOf("State");
    expect(lines).toHaveLength(14);
    for (const line of lines.slice(1)) expect(line[(stateColumn ?? 0) - 1]).toBe(" ");
    expect(lines.slice(1).map((line) => line.slice(stateColumn).split(" ")[0])).toContain("UNCONN");
  });

  it("shows the device of an ss entry bound to one", () => {
    const table = formatSocketTable(parseSs(readSocketFixture("client", "ss-uan.txt"), "udp"));
    expect(table.split("\n")).toContain(
      "udp6       0      0 [fe80::2]%eth0:7009 [::]:*          UNCONN      -",
    );
  });

  it("says so when there are no sockets", () => {
    expect(formatSocketTable([], { title: "tcp-echo" })).toBe(
      "tcp-echo\nProto Recv-Q Send-Q Local Address Foreign Address State PID/Program name\n(no sockets)",
    );
  });

  it("marks the rows asked for in a first column, and adds no column otherwise", () => {
    const entries = ownedEntries("client", ["tcp"]);
    const first = entries[0];
    const marked = formatSocketTable(entries, { marked: (row) => row === first }).split("\n");
    const plain = formatSocketTable(entries).split("\n");
    expect(marked[0]).toBe(`  ${plain[0] ?? ""}`);
    entries.forEach((entry, index) => {
      expect(marked[index + 1]).toBe(`${entry === first ? "*" : " "} ${plain[index + 1] ?? ""}`);
    });
    expect(marked.some((line) => line.startsWith("* "))).toBe(true);
  });
});
