import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFaults } from "../../labkit/fault/list-faults.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import {
  waitForNoSocket,
  waitForSocket,
  type LabContainer,
} from "../../labkit/socket-table/wait-for-socket.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { readSnmpCounter } from "./read-snmp-counter.ts";
import type { TcpRateOptions, TcpRateReport } from "./tcp-rate.ts";

// TCP faults between the workbench (client) and tcp-echo (server), each applied through the public
// API, observed in both ends' kernel tables, and cleared: resets, dropped SYNs and FINs, bandwidth.
const ECHO_PORT = 7;
const WAIT_MS = 10_000;

let lab: Lab;
let client: LabContainer;
let server: LabContainer;

beforeAll(async () => {
  lab = await startLab();
  client = lab.container("workbench");
  server = lab.container("tcp-echo");
});

afterAll(async () => {
  await lab.down();
});

async function connectedPuppet(): Promise<{ puppet: Puppet; localPort: number }> {
  const puppet = await startPuppet("workbench", client.id);
  puppet.send({ op: "connect", host: "tcp-echo", port: ECHO_PORT });
  const connected = await puppet.next("connected");
  return { puppet, localPort: connected.localPort };
}

/** Writes `bytes` and waits until the echo has brought them all back. */
async function echoRoundTrip(puppet: Puppet, bytes: number, before: number): Promise<void> {
  puppet.send({ op: "write", bytes });
  await waitFor(
    () =>
      puppet.events.some((e) => e.event === "data" && e.receivedBytes === before + bytes) ? true : undefined,
    {
      timeoutMs: WAIT_MS,
      what: `the echo of ${bytes} bytes`,
    },
  );
}

const faultsOn = async (service: string) =>
  (await listFaults(lab, service)).flatMap((s) => s.faults.map((f) => f.description));

describe("reset", () => {
  it("reaches a connected client as ECONNRESET; the client's socket is gone, the server's still ESTABLISHED", async () => {
    const { puppet, localPort } = await connectedPuppet();
    await using _puppet = puppet;
    await echoRoundTrip(puppet, 100, 0);
    {
      await using fault = await lab.fault({
        kind: "reset",
        service: "tcp-echo",
        port: ECHO_PORT,
        seconds: 60,
      });
      expect(await faultsOn("tcp-echo")).toEqual([fault.description]);
      puppet.send({ op: "write", bytes: 100 });
      const error = await puppet.next("error");
      expect(error.code).toBe("ECONNRESET");
      await waitForNoSocket(
        client,
        { localPort, remotePort: ECHO_PORT },
        { timeoutMs: WAIT_MS, peer: server },
      );
      // The RST was forged in tcp-echo's namespace: its own socket never saw it.
      await waitForSocket(
        server,
        { remotePort: localPort, state: "ESTABLISHED" },
        { timeoutMs: WAIT_MS, peer: client },
      );
    }
    expect(await faultsOn("tcp-echo")).toEqual([]);
  });

  it("with newOnly refuses new connections (ECONNREFUSED) while an existing one still echoes", async () => {
    const { puppet: old } = await connectedPuppet();
    await using _old = old;
    await using _fault = await lab.fault({
      kind: "reset",
      service: "tcp-echo",
      newOnly: true,
      seconds: 60,
    });
    await using fresh = await startPuppet("workbench", client.id);
    fresh.send({ op: "connect", host: "tcp-echo", port: ECHO_PORT });
    expect((await fresh.next("error")).code).toBe("ECONNREFUSED");
    await echoRoundTrip(old, 1000, 0);
  });

  it("with afterBytes lets a connection through its first bytes, then resets it", async () => {
    await using _fault = await lab.fault({
      kind: "reset",
      service: "tcp-echo",
      afterBytes: 5_000,
      seconds: 60,
    });
    const { puppet } = await connectedPuppet();
    await using _puppet = puppet;
    await echoRoundTrip(puppet, 1_000, 0);
    puppet.send({ op: "write", bytes: 20_000 });
    expect((await puppet.next("error")).code).toBe("ECONNRESET");
    const received = Math.max(0, ...puppet.events.map((e) => (e.event === "data" ? e.receivedBytes : 0)));
    expect(received).toBeGreaterThanOrEqual(1_000);
    expect(received).toBeLessThan(21_000);
  });
});

describe("drop", () => {
  it("of SYNs holds the client in SYN_SENT, retransmitting, until the fault is cleared", async () => {
    const synRetransBefore = await readSnmpCounter(lab, "workbench", "netstat", "TcpExt", "TCPSynRetrans");
    const fault = await lab.fault({ kind: "drop", service: "tcp-echo", flags: ["syn"], seconds: 60 });
    await using puppet = await startPuppet("workbench", client.id);
    try {
      puppet.send({ op: "connect", host: "tcp-echo", port: ECHO_PORT });
      const row = await waitFor(
        async () =>
          (await readSocketTable(client.id, client.name)).entries.find(
            (e) => e.state === "SYN_SENT" && e.remotePort === ECHO_PORT && e.retransmits >= 2,
          ),
        { timeoutMs: WAIT_MS, what: "a SYN_SENT row toward tcp-echo with 2 retransmissions" },
      );
      const synRetrans =
        (await readSnmpCounter(lab, "workbench", "netstat", "TcpExt", "TCPSynRetrans")) - synRetransBefore;
      console.log(
        `SYN_SENT row: retransmits ${row.retransmits}, timer ${row.timer.kind}; TcpExt TCPSynRetrans +${synRetrans}`,
      );
      expect(row.timer.kind).toBe("retransmit");
      expect(synRetrans).toBeGreaterThanOrEqual(2);
      // tcp-echo never answered: no half-open connection of this port on its side.
      const serverRows = (await readSocketTable(server.id, server.name)).entries;
      expect(serverRows.filter((e) => e.remotePort === row.localPort)).toEqual([]);
    } finally {
      await fault.clear();
    }
    // The next retransmitted SYN gets through.
    await puppet.next("connected", WAIT_MS);
  });

  it("of FINs into tcp-echo holds the closing client in FIN_WAIT1 while tcp-echo stays ESTABLISHED", async () => {
    const { puppet, localPort } = await connectedPuppet();
    await using _puppet = puppet;
    const fault = await lab.fault({
      kind: "drop",
      service: "tcp-echo",
      flags: ["fin"],
      direction: "in",
      seconds: 60,
    });
    try {
      puppet.send({ op: "end" });
      await waitForSocket(client, { localPort, state: "FIN_WAIT1" }, { timeoutMs: WAIT_MS, peer: server });
      await waitForSocket(
        server,
        { remotePort: localPort, state: "ESTABLISHED" },
        { timeoutMs: WAIT_MS, peer: client },
      );
    } finally {
      await fault.clear();
    }
    await waitForSocket(client, { localPort, state: "TIME_WAIT" }, { timeoutMs: WAIT_MS, peer: server });
  });

  it("of FINs out of tcp-echo holds it in LAST_ACK while the client waits for its FIN", async () => {
    const { puppet, localPort } = await connectedPuppet();
    await using _puppet = puppet;
    const fault = await lab.fault({
      kind: "drop",
      service: "tcp-echo",
      flags: ["fin"],
      direction: "out",
      seconds: 60,
    });
    try {
      puppet.send({ op: "end" });
      await waitForSocket(
        server,
        { remotePort: localPort, state: "LAST_ACK" },
        { timeoutMs: WAIT_MS, peer: client },
      );
      // FIN_WAIT2 if tcp-echo acknowledged the client's FIN on its own; FIN_WAIT1 when that ACK
      // rode on tcp-echo's FIN (it closes at once), and was dropped with it.
      await waitForSocket(
        client,
        { localPort, state: ["FIN_WAIT1", "FIN_WAIT2"] },
        { timeoutMs: WAIT_MS, peer: server },
      );
    } finally {
      await fault.clear();
    }
    await waitForSocket(client, { localPort, state: "TIME_WAIT" }, { timeoutMs: WAIT_MS, peer: server });
    await waitForNoSocket(server, { remotePort: localPort }, { timeoutMs: WAIT_MS, peer: client });
  });
});

describe("bandwidth", () => {
  const RATE_KBIT = 8_000;
  const RATE_SOURCE = readFileSync(path.join(import.meta.dirname, "tcp-rate.ts"), "utf8");
  const measure = async (bytes: number): Promise<TcpRateReport> => {
    const options: TcpRateOptions = {
      host: "tcp-echo",
      port: ECHO_PORT,
      bytes,
      warmupBytes: 256 * 1024,
      deadlineMs: 30_000,
    };
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module-typescript",
      "-e",
      RATE_SOURCE,
      JSON.stringify(options),
    ]);
    if (run.exitCode !== 0) throw new Error(`the rate probe failed: ${run.stderr}`);
    return JSON.parse(run.stdout.trim()) as TcpRateReport;
  };

  it(`limits what tcp-echo sends to ${RATE_KBIT} kbit/s within 15%, and not at all once cleared`, async () => {
    let limited: TcpRateReport;
    {
      await using _fault = await lab.fault({
        kind: "bandwidth",
        service: "tcp-echo",
        rateKbitPerSecond: RATE_KBIT,
        seconds: 60,
      });
      // 5 MB at 1 MB/s: about five seconds, long enough that the first burst does not count.
      limited = await measure(5_000_000);
    }
    const free = await measure(5_000_000);
    console.log(
      `bandwidth ${RATE_KBIT} kbit/s: measured ${limited.kbitPerSecond.toFixed(0)} kbit/s; cleared: ${free.kbitPerSecond.toFixed(0)} kbit/s`,
    );
    expect(Math.abs(limited.kbitPerSecond - RATE_KBIT) / RATE_KBIT).toBeLessThanOrEqual(0.15);
    expect(free.kbitPerSecond).toBeGreaterThan(RATE_KBIT * 5);
  });
});
