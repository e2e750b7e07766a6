import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { parseProcNet } from "./parse-proc-net.ts";
import { onlyEntry, readFixtureEntries, readSocketFixture } from "./testing/read-socket-fixture.ts";
import { attachOwners, parseSocketOwners, SOCKET_OWNERS_SCRIPT } from "./socket-owners.ts";

const run = promisify(execFile);

describe("parseSocketOwners", () => {
  it("reads the captured script output into owners by inode", () => {
    const owners = parseSocketOwners(readSocketFixture("server", "socket-owners.txt"));
    expect(owners.size).toBe(16);
    expect(owners.get(99021)).toEqual({ pid: 1, program: "lab-server" });
  });

  it("keeps program names with spaces and tabs whole", () => {
    const owners = parseSocketOwners("12\tWeb Content\t501\n13\todd\tname\t502\n");
    expect(owners.get(501)).toEqual({ pid: 12, program: "Web Content" });
    expect(owners.get(502)).toEqual({ pid: 13, program: "odd\tname" });
  });

  it("gives a socket shared by several processes to the lowest pid", () => {
    const owners = parseSocketOwners("40\tworker\t700\n7\tmaster\t700\n41\tworker\t700\n");
    expect(owners.get(700)).toEqual({ pid: 7, program: "master" });
  });

  it("rejects a line that is not PID, PROGRAM, INODE", () => {
    const parse = () => parseSocketOwners("1\tnode\t123\n1 node 124\n");
    expect(parse).toThrow(SocklabError);
    expect(parse).toThrow('socket owners line 2: expected "PID<TAB>PROGRAM<TAB>INODE", got "1 node 124"');
  });
});

describe("attachOwners", () => {
  const owners = parseSocketOwners(readSocketFixture("client", "socket-owners.txt"));
  const entries = readFixtureEntries("client");

  it("gives every socket a process holds its owner, and the kernel's sockets none", () => {
    const owned = attachOwners(entries, owners);
    expect(
      owned.filter((entry) => entry.inode !== 0).every((entry) => entry.owner?.program === "lab-client"),
    ).toBe(true);
    expect(onlyEntry(owned, { localPort: 41005 })).toMatchObject({ state: "TIME_WAIT", inode: 0 });
    expect(onlyEntry(owned, { localPort: 41005 }).owner).toBeUndefined();
    expect(onlyEntry(owned, { localPort: 41001 }).owner).toEqual({ pid: 1, program: "lab-client" });
  });

  it("leaves the entries it was given unchanged", () => {
    attachOwners(entries, owners);
    expect(entries.every((entry) => entry.owner === undefined)).toBe(true);
  });
});

describe.runIf(process.platform === "linux")("SOCKET_OWNERS_SCRIPT on this machine", () => {
  async function withListener<T>(use: (inode: number) => Promise<T>): Promise<T> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const table = parseProcNet(readFileSync("/proc/self/net/tcp", "utf8"), "tcp");
      return await use(onlyEntry(table, { localPort: port, state: "LISTEN" }).inode);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it("finds the socket this test process listens on, quietly, with exit code 0", async () => {
    await withListener(async (inode) => {
      const { stdout, stderr } = await run("sh", ["-c", SOCKET_OWNERS_SCRIPT]);
      expect(stderr).toBe("");
      expect(parseSocketOwners(stdout).get(inode)).toEqual({
        pid: process.pid,
        // As netstat -p names it: argv[0]'s base name (`node`), not the thread name in comm.
        program: path.basename(readFileSync("/proc/self/cmdline", "utf8").split("\0")[0] ?? ""),
      });
    });
  });

  // Needs root to switch user, as the lab tests need root for the engine: it runs, never skips.
  it("skips other users' processes silently when run as nobody", async () => {
    await withListener(async (inode) => {
      const asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", SOCKET_OWNERS_SCRIPT];
      const { stdout, stderr } = await run("setpriv", asNobody);
      expect(stderr).toBe("");
      expect(parseSocketOwners(stdout).has(inode)).toBe(false);
    });
  });
});
