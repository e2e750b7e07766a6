import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { readEnds } from "../../labkit/socket-table/read-ends.ts";
import "../../labkit/socket-table/socket-matchers.ts";
import type { SocketMatch } from "../../labkit/socket-table/socket-match.ts";
import {
  waitForNoSocket,
  waitForSocket,
  type LabContainer,
} from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { recordFailureEvidence } from "../support/record-failure-evidence.ts";

// Every TCP state, provoked on purpose between the workbench (client) and a service container
// (server), and checked at both ends in the kernel's own tables. Where a state needs a packet lost,
// a helper sharing that end's network namespace drops it with iptables (compose.states.yml).
const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";
const ECHO_PORT = 7;
const WAIT_MS = 8_000;
// /proc prints timers in USER_HZ ticks of 10 ms, rounded down, of a kernel timer that counts in
// jiffies (at worst 10 ms too): two ticks of slack when a timer is compared with a measured time.
const TIMER_SLACK_MS = 20;

let lab: Lab;
let client: LabContainer;
let server: LabContainer;
let clientIp: string;
let serverIp: string;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
  client = lab.container("workbench");
  server = lab.container("tcp-echo");
  clientIp = (await lab.sh("workbench", "hostname -i")).trim();
  serverIp = (await lab.sh("workbench", "getent hosts tcp-echo | cut -d' ' -f1")).trim();
});

afterAll(async () => {
  await lab.down();
});

// A failing check leaves the ladder, both tables and both pcaps of its last connections in lab-evidence/.
recordFailureEvidence(() => lab, { services: ["workbench", "tcp-echo"] });

/** A puppet socket in the workbench, connecting to the tcp-echo container. */
async function connectFromWorkbench(
  port: number,
  options: { allowHalfOpen?: boolean } = {},
): Promise<Puppet> {
  const puppet = await startPuppet("workbench", client.id);
  puppet.send({ op: "connect", host: "tcp-echo", port, ...options });
  return puppet;
}

/** A puppet server inside the tcp-echo container (same namespace, same unprivileged user). */
async function listenInService(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Puppet> {
  const puppet = await startPuppet("tcp-echo", server.id);
  puppet.send({ op: "listen", port, ...options });
  await puppet.next("listening");
  return puppet;
}

/** Inserts an iptables rule in a helper's namespace for the length of `body`, then deletes it. */
async function withRule<T>(
  helper: "workbench-netadmin" | "tcp-echo-netadmin",
  rule: string,
  body: () => Promise<T>,
) {
  await lab.sh(helper, `iptables -I ${rule}`);
  try {
    return await body();
  } finally {
    await lab.sh(helper, `iptables -D ${rule}`);
  }
}

/** The two ends of one connection, as socket matches on each side. */
function connection(
  clientPort: number,
  serverPort: number,
): { atClient: SocketMatch; atServer: SocketMatch } {
  return {
    atClient: { protocol: "tcp", localPort: clientPort, remoteAddress: serverIp, remotePort: serverPort },
    atServer: { protocol: "tcp", localPort: serverPort, remoteAddress: clientIp, remotePort: clientPort },
  };
}

async function connected(puppet: Puppet): Promise<number> {
  return (await puppet.next("connected")).localPort;
}

describe("TCP states at both ends of a connection", () => {
  it("shows LISTEN on the service, held by the service's process, and nothing toward it in the workbench", async () => {
    const [atClient, atServer] = await readEnds(client, server);
    expect(atServer).toHaveSocket({ protocol: "tcp", localPort: ECHO_PORT, state: "LISTEN", owned: true });
    expect(
      atServer.entries.find((e) => e.state === "LISTEN" && e.localPort === ECHO_PORT)?.owner?.program,
    ).toBe("tcp-echo");
    expect(atClient).not.toHaveSocket({ remoteAddress: serverIp, state: ["ESTABLISHED", "SYN_SENT"] });
  });

  it("holds SYN_SENT at the client while the server's namespace drops its SYNs", async () => {
    const rule = `INPUT -p tcp -s ${clientIp} --dport ${ECHO_PORT} --syn -j DROP`;
    await withRule("tcp-echo-netadmin", rule, async () => {
      await using _connecting = await connectFromWorkbench(ECHO_PORT);
      const syn = await waitForSocket(
        client,
        { remoteAddress: serverIp, remotePort: ECHO_PORT, state: "SYN_SENT" },
        { timeoutMs: WAIT_MS, peer: server },
      );
      expect(syn.owner?.program).toBe("socket-puppet");
      const [, atServer] = await readEnds(client, server);
      expect(atServer).not.toHaveSocket({ remoteAddress: clientIp, remotePort: syn.localPort });
    });
  });

  it("holds SYN_RECV at the server while the client's namespace drops the SYN-ACKs", async () => {
    const rule = `INPUT -p tcp --sport ${ECHO_PORT} --tcp-flags SYN,ACK SYN,ACK -j DROP`;
    await withRule("workbench-netadmin", rule, async () => {
      await using _connecting = await connectFromWorkbench(ECHO_PORT);
      const half = await waitForSocket(
        server,
        { remoteAddress: clientIp, localPort: ECHO_PORT, state: "SYN_RECV" },
        { timeoutMs: WAIT_MS, peer: client },
      );
      // A request socket belongs to no process yet: nothing has accepted it.
      expect(half.inode).toBe(0);
      const [atClient] = await readEnds(client, server);
      expect(atClient).toHaveSocketInState({ localPort: half.remotePort, remotePort: ECHO_PORT }, "SYN_SENT");
    });
  });

  it("shows ESTABLISHED at both ends, each held by its process", async () => {
    await using puppet = await connectFromWorkbench(ECHO_PORT);
    const ends = connection(await connected(puppet), ECHO_PORT);
    await waitForSocket(
      server,
      { ...ends.atServer, state: "ESTABLISHED" },
      { timeoutMs: WAIT_MS, peer: client },
    );
    const [atClient, atServer] = await readEnds(client, server);
    expect(atClient).toHaveSocketInState({ ...ends.atClient, owned: true }, "ESTABLISHED");
    expect(atServer).toHaveSocketInState({ ...ends.atServer, owned: true }, "ESTABLISHED");
  });

  it("holds FIN_WAIT1 at the client whose FIN is lost, while the server stays ESTABLISHED", async () => {
    await using puppet = await connectFromWorkbench(ECHO_PORT);
    const clientPort = await connected(puppet);
    const ends = connection(clientPort, ECHO_PORT);
    const rule = `INPUT -p tcp -s ${clientIp} --sport ${clientPort} --tcp-flags FIN FIN -j DROP`;
    await withRule("tcp-echo-netadmin", rule, async () => {
      puppet.send({ op: "end" });
      const closing = await waitForSocket(
        client,
        { ...ends.atClient, state: "FIN_WAIT1" },
        { timeoutMs: WAIT_MS, peer: server },
      );
      // The FIN is counted in the send queue until it is acknowledged.
      expect(closing.sendQueueBytes).toBe(1);
      expect(closing.timer.kind).toBe("retransmit");
      const [, atServer] = await readEnds(client, server);
      expect(atServer).toHaveSocketInState(ends.atServer, "ESTABLISHED");
    });
  });

  it("half-closes into FIN_WAIT2 at the client and CLOSE_WAIT at the server", async () => {
    const port = 7102;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const ends = connection(await connected(puppet), port);
    await service.next("connection");
    puppet.send({ op: "end" });
    await service.next("end");
    await waitForSocket(
      client,
      { ...ends.atClient, state: "FIN_WAIT2" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    const [atClient, atServer] = await readEnds(client, server);
    // Both are still held by their processes: a half-closed connection, not an orphan.
    expect(atClient).toHaveSocketInState({ ...ends.atClient, owned: true }, "FIN_WAIT2");
    expect(atServer).toHaveSocketInState({ ...ends.atServer, owned: true }, "CLOSE_WAIT");
  });

  it("holds LAST_ACK at the server whose FIN is never acknowledged, TIME_WAIT at the client", async () => {
    const port = 7103;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const clientPort = await connected(puppet);
    const ends = connection(clientPort, port);
    await service.next("connection");
    puppet.send({ op: "end" });
    await waitForSocket(
      server,
      { ...ends.atServer, state: "CLOSE_WAIT" },
      { timeoutMs: WAIT_MS, peer: client },
    );
    const rule = `INPUT -p tcp -s ${clientIp} --sport ${clientPort} --tcp-flags ALL ACK -j DROP`;
    await withRule("tcp-echo-netadmin", rule, async () => {
      service.send({ op: "end" });
      const lastAck = await waitForSocket(
        server,
        { ...ends.atServer, state: "LAST_ACK" },
        { timeoutMs: WAIT_MS, peer: client },
      );
      expect(lastAck.sendQueueBytes).toBe(1);
      const [atClient] = await readEnds(client, server);
      expect(atClient).toHaveSocketInState(ends.atClient, "TIME_WAIT");
    });
  });

  it("leaves TIME_WAIT on the side that closed first and no socket on the other", async () => {
    // The client closes first against tcp-echo.
    await using first = await connectFromWorkbench(ECHO_PORT);
    const clientFirst = connection(await connected(first), ECHO_PORT);
    first.send({ op: "end" });
    await first.next("close");
    const timeWait = await waitForSocket(
      client,
      { ...clientFirst.atClient, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    expect(timeWait.inode).toBe(0);
    expect(timeWait.timer.kind).toBe("time_wait");
    await waitForNoSocket(server, clientFirst.atServer, { timeoutMs: WAIT_MS, peer: client });

    // The server closes first.
    const port = 7104;
    await using service = await listenInService(port);
    await using second = await connectFromWorkbench(port);
    const serverFirst = connection(await connected(second), port);
    await service.next("connection");
    service.send({ op: "end" });
    await second.next("close");
    await waitForSocket(
      server,
      { ...serverFirst.atServer, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: client },
    );
    await waitForNoSocket(client, serverFirst.atClient, { timeoutMs: WAIT_MS, peer: server });
  });

  it("goes through CLOSING when both ends close and the client's FIN is lost", async () => {
    const port = 7105;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const clientPort = await connected(puppet);
    const ends = connection(clientPort, port);
    await service.next("connection");
    // Everything the client sends is lost: its FIN, and its ACK of the server's FIN.
    await withRule(
      "tcp-echo-netadmin",
      `INPUT -p tcp -s ${clientIp} --sport ${clientPort} -j DROP`,
      async () => {
        puppet.send({ op: "end" });
        await waitForSocket(
          client,
          { ...ends.atClient, state: "FIN_WAIT1" },
          { timeoutMs: WAIT_MS, peer: server },
        );
        service.send({ op: "end" });
        await waitForSocket(
          client,
          { ...ends.atClient, state: "CLOSING" },
          { timeoutMs: WAIT_MS, peer: server },
        );
        const [, atServer] = await readEnds(client, server);
        expect(atServer).toHaveSocketInState(ends.atServer, "FIN_WAIT1");
      },
    );
    // Once the client's retransmissions get through, both ends pass through TIME_WAIT.
    await waitForSocket(
      client,
      { ...ends.atClient, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    await waitForSocket(
      server,
      { ...ends.atServer, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: client },
    );
  });
});

describe("endings without the four-way close", () => {
  it("resets on a zero-linger close: no TIME_WAIT anywhere, ECONNRESET at the peer", async () => {
    const port = 7106;
    await using service = await listenInService(port);
    await using puppet = await connectFromWorkbench(port);
    const ends = connection(await connected(puppet), port);
    await service.next("connection");
    puppet.send({ op: "reset" });
    expect(await service.next("error")).toMatchObject({ code: "ECONNRESET" });
    await waitForNoSocket(client, ends.atClient, { timeoutMs: WAIT_MS, peer: server });
    await waitForNoSocket(server, ends.atServer, { timeoutMs: WAIT_MS, peer: client });
  });

  it("refuses a connection to a port with no listener with ECONNREFUSED", async () => {
    await using puppet = await connectFromWorkbench(7999);
    expect(await puppet.next("error")).toMatchObject({ code: "ECONNREFUSED" });
    const [atClient] = await readEnds(client, server);
    expect(atClient).not.toHaveSocket({ remotePort: 7999 });
  });

  it("times an orphaned FIN_WAIT2 by tcp_fin_timeout and drops it then, leaving the server in CLOSE_WAIT", async () => {
    // compose.states.yml sets tcp_fin_timeout to 3 s in the workbench.
    const finTimeoutMs =
      Number((await lab.sh("workbench", "cat /proc/sys/net/ipv4/tcp_fin_timeout")).trim()) * 1000;
    // Only a tcp_fin_timeout under TIME_WAIT's fixed 60 s tells the two timers apart below.
    expect(finTimeoutMs).toBeLessThan(60_000);
    const port = 7107;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using puppet = await connectFromWorkbench(port);
    const ends = connection(await connected(puppet), port);
    await service.next("connection");
    // destroy() closes the descriptor: the kernel alone finishes the close (an orphan).
    const destroyedAt = performance.now();
    puppet.send({ op: "destroy" });
    const orphan = await waitForSocket(
      client,
      { ...ends.atClient, state: "FIN_WAIT2" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    const orphanAgeMs = performance.now() - destroyedAt;
    expect(orphan.inode).toBe(0);
    // Linux keeps an orphaned FIN_WAIT2 as a TIME_WAIT minisocket (tr 03) whose substate is
    // FIN_WAIT2, timed by tcp_fin_timeout from the moment the FIN was acknowledged.
    expect(orphan.timer.kind).toBe("time_wait");
    expect(orphan.timer.remainingMs).toBeGreaterThan(0);
    expect(orphan.timer.remainingMs).toBeLessThanOrEqual(finTimeoutMs);
    // The timer started after destroy(), so no more than the orphan's age has run off it.
    expect(orphan.timer.remainingMs).toBeGreaterThanOrEqual(finTimeoutMs - orphanAgeMs - TIMER_SLACK_MS);
    await waitForNoSocket(client, ends.atClient, { timeoutMs: WAIT_MS, peer: server });
    const [, atServer] = await readEnds(client, server);
    expect(atServer).toHaveSocketInState({ ...ends.atServer, owned: true }, "CLOSE_WAIT");
  });
});
