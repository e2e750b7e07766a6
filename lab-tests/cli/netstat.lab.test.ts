import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet } from "../../labkit/puppet/start-puppet.ts";
import { runSocklab, spawnSocklab } from "../support/run-socklab.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

interface JsonTable {
  service: string;
  sockets: {
    protocol: string;
    localPort: number;
    remotePort: number;
    localAddress: string;
    state: string;
    owner?: { program: string };
  }[];
}

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

describe("socklab netstat", () => {
  it("prints each container's sockets like netstat -tanp, states by name", async () => {
    await lab.sh("workbench", "echo hi | nc -N tcp-echo 7");
    const { exitCode, stdout } = await runSocklab(lab, ["netstat", "tcp-echo", "workbench"]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(
      /^tcp-echo\nProto +Recv-Q +Send-Q +Local Address +Foreign Address +State +PID\/Program name$/m,
    );
    expect(stdout).toMatch(/^tcp6 +0 +0 +\[::\]:7 +\[::\]:\* +LISTEN +\d+\/tcp-echo$/m);
    expect(stdout).toMatch(/^workbench$/m);
    expect(stdout).toMatch(/^tcp +0 +0 +[\d.]+:\d+ +[\d.]+:7 +TIME_WAIT +-$/m);
  });

  it("prints JSON for scripts", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["netstat", "--json"]);
    expect(exitCode).toBe(0);
    const tables = JSON.parse(stdout) as JsonTable[];
    expect(tables.map((t) => t.service).sort()).toEqual([
      "chat",
      "file-transfer",
      "tcp-echo",
      "udp-echo",
      "workbench",
    ]);
    const udp = tables.find((t) => t.service === "udp-echo")?.sockets ?? [];
    expect(udp).toContainEqual(expect.objectContaining({ protocol: "udp", localPort: 7, state: "UNCONN" }));
  });

  it("redraws with --watch when a connection appears", async () => {
    const watch = spawnSocklab(lab, ["netstat", "tcp-echo", "--watch", "--interval", "100"]);
    let output = "";
    watch.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
    try {
      await waitFor(() => (output.includes("LISTEN") ? true : undefined), {
        timeoutMs: 10_000,
        what: "a first table",
      });
      await using puppet = await startPuppet("workbench", lab.containerId("workbench"));
      puppet.send({ op: "connect", host: "tcp-echo", port: 7 });
      const clientPort = (await puppet.next("connected")).localPort;
      // The new row is marked, under a timestamp.
      const row = new RegExp(`^\\* tcp6? .*:7 +[\\d.]+:${clientPort} +ESTABLISHED`, "m");
      await waitFor(() => (row.test(output) ? true : undefined), {
        timeoutMs: 10_000,
        what: `netstat --watch to show the connection from port ${clientPort}`,
        describeLast: () => output,
      });
      expect(output).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}\(\* changed since the last draw\)$/m,
      );
    } finally {
      watch.kill("SIGTERM");
      await once(watch, "close");
    }
  });

  it("names a service the lab does not have and lists those it has, with exit code 2", async () => {
    const { exitCode, stderr } = await runSocklab(lab, ["netstat", "no-such-service"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(
      'ERR_UNKNOWN_SERVICE: no service "no-such-service" in compose project socklab-test-',
    );
    expect(stderr).toContain("its services: chat, file-transfer, tcp-echo, udp-echo, workbench");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("names a service the lab has but does not run, with exit code 5", async () => {
    await using partial = await startLab({ services: ["tcp-echo"] });
    const { exitCode, stderr } = await runSocklab(partial, ["netstat", "chat"]);
    expect(exitCode).toBe(5);
    expect(stderr).toContain("not running in the lab: chat (no such container)");
  });

  it("filters by port and state, and hides the DNS resolver and healthchecks unless --all", async () => {
    await lab.sh("workbench", "echo hi | nc -N tcp-echo 7");
    const json = async (args: string[]) => {
      const run = await runSocklab(lab, ["netstat", "--json", ...args]);
      expect(run.exitCode, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as JsonTable[]).flatMap((t) => t.sockets);
    };
    const timeWait = await json(["workbench", "--port", "7", "--state", "time-wait"]);
    expect(timeWait.length).toBeGreaterThan(0);
    expect(timeWait.every((s) => s.state === "TIME_WAIT" && s.remotePort === 7)).toBe(true);
    const isResolver = (s: { localAddress: string }) => s.localAddress === "127.0.0.11";
    expect((await json(["tcp-echo"])).some(isResolver)).toBe(false);
    expect((await json(["tcp-echo", "--all"])).some(isResolver)).toBe(true);
  });

  it("refuses a state that does not exist, listing the states (exit 2)", async () => {
    const { exitCode, stderr } = await runSocklab(lab, ["netstat", "--state", "WAITING"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('no socket state "WAITING"; the states: ');
  });
});
