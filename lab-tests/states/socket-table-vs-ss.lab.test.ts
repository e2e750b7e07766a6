import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet } from "../../labkit/puppet/start-puppet.ts";
import { parseSs, type SsEntry } from "../../labkit/socket-table/parse-ss.ts";
import {
  SNAPSHOT_SCRIPT,
  parseSnapshot,
  splitSections,
} from "../../labkit/socket-table/read-socket-table.ts";
import type { SocketEntry } from "../../labkit/socket-table/socket-entry.ts";
import { socketKey } from "../../labkit/socket-table/socket-key.ts";
import { waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";
const UNREAD_BYTES = 1000;
const UNACKED_BYTES = 100;

// ss and the /proc tables, in one exec so that they describe the same moment. -e adds each socket's
// uid and inode, -p the processes holding it (ss warns on stderr that it finds no cgroup2 mount).
const BOTH_SCRIPT = `echo '## ss-tcp'; ss -tanepH; echo '## ss-udp'; ss -uanepH; ${SNAPSHOT_SCRIPT}`;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
});

afterAll(async () => {
  await lab.down();
});

interface BothTables {
  fromProc: SocketEntry[];
  fromSs: SsEntry[];
}

async function readInNamespace(service: string): Promise<BothTables> {
  const { stdout } = await lab.exec(service, ["sh", "-c", BOTH_SCRIPT]);
  const sections = splitSections(stdout);
  const fromSs = [
    ...parseSs(sections.get("ss-tcp") ?? "", "tcp"),
    ...parseSs(sections.get("ss-udp") ?? "", "udp"),
  ];
  return { fromProc: parseSnapshot(sections), fromSs };
}

type Row = SocketEntry | SsEntry;
const sorted = (rows: readonly Row[], show: (row: Row) => string) => rows.map(show).sort();
const keys = (rows: readonly Row[]) => sorted(rows, socketKey);
// For LISTEN, ss reports the accept queue and the backlog limit, /proc the accept queue and 0.
const queues = (rows: readonly Row[]) =>
  sorted(
    rows.filter((row) => row.protocol === "tcp" && row.state !== "LISTEN"),
    (row) => `${socketKey(row)} recv=${row.receiveQueueBytes} send=${row.sendQueueBytes}`,
  );
const uidsAndInodes = (rows: readonly Row[]) =>
  sorted(rows, (row) => `${socketKey(row)} uid=${row.uid ?? "?"} inode=${row.inode ?? "?"}`);
const owners = (rows: readonly Row[]) =>
  sorted(
    rows.filter((row) => row.owner),
    (row) => `${socketKey(row)} ${row.owner?.pid ?? ""}/${row.owner?.program ?? ""}`,
  );

describe("the socket table read from /proc", () => {
  it("agrees with ss in the same namespace, at both ends: states, queues, uids, inodes and owners", async () => {
    const workbench = lab.container("workbench");
    const tcpEcho = lab.container("tcp-echo");
    const clientIp = (await lab.sh("workbench", "hostname -i")).trim();
    // LISTEN and CLOSE_WAIT / FIN_WAIT2 (a half-close), ESTABLISHED, TIME_WAIT, and UDP sockets.
    await using server = await startPuppet("tcp-echo", tcpEcho.id);
    server.send({ op: "listen", port: 7301, allowHalfOpen: true });
    await server.next("listening");
    await using halfClosed = await startPuppet("workbench", workbench.id);
    halfClosed.send({ op: "connect", host: "tcp-echo", port: 7301, allowHalfOpen: true });
    await halfClosed.next("connected");
    halfClosed.send({ op: "end" });
    await server.next("end");
    await using open = await startPuppet("workbench", workbench.id);
    open.send({ op: "connect", host: "tcp-echo", port: 7 });
    await open.next("connected");
    await lab.sh("workbench", "echo closed | nc -N tcp-echo 7");
    await lab.sh(
      "workbench",
      "socat -u UDP-RECV:5555 /dev/null >/dev/null 2>&1 & socat -u UDP-RECV:5556,bind=127.0.0.1 /dev/null >/dev/null 2>&1 &",
    );
    await waitForSocket(workbench, { protocol: "udp", localPort: 5556 }, { timeoutMs: 5_000 });

    // A non-zero Recv-Q: bytes sent to a server that never reads them (pauseOnConnect).
    await using notReading = await startPuppet("tcp-echo", tcpEcho.id);
    notReading.send({ op: "listen", port: 7302, pauseOnConnect: true });
    await notReading.next("listening");
    await using writer = await startPuppet("workbench", workbench.id);
    writer.send({ op: "connect", host: "tcp-echo", port: 7302 });
    const writerPort = (await writer.next("connected")).localPort;
    writer.send({ op: "write", bytes: UNREAD_BYTES });
    await waitForSocket(
      tcpEcho,
      { localPort: 7302, remotePort: writerPort, receiveQueueBytes: UNREAD_BYTES },
      { timeoutMs: 5_000, peer: workbench },
    );
    // Until the server's ACK arrives the writer's Send-Q is moving: compare once it is 0.
    await waitForSocket(
      workbench,
      { localPort: writerPort, remotePort: 7302, sendQueueBytes: 0 },
      { timeoutMs: 5_000, peer: tcpEcho },
    );

    // A non-zero Send-Q: bytes the server's namespace drops, so they stay unacknowledged.
    await using unacked = await startPuppet("workbench", workbench.id);
    unacked.send({ op: "connect", host: "tcp-echo", port: 7 });
    const unackedPort = (await unacked.next("connected")).localPort;
    const dropRule = `INPUT -p tcp -s ${clientIp} --sport ${unackedPort} -j DROP`;
    await lab.sh("tcp-echo-netadmin", `iptables -I ${dropRule}`);
    const [atClient, atServer] = await (async () => {
      try {
        unacked.send({ op: "write", bytes: UNACKED_BYTES });
        await waitForSocket(
          workbench,
          { localPort: unackedPort, remotePort: 7, sendQueueBytes: UNACKED_BYTES },
          { timeoutMs: 5_000, peer: tcpEcho },
        );
        // The service image has no ss: its helper shares the service's network namespace and has one.
        return [await readInNamespace("workbench"), await readInNamespace("tcp-echo-netadmin")];
      } finally {
        await lab.sh("tcp-echo-netadmin", `iptables -D ${dropRule}`);
      }
    })();

    for (const { fromProc, fromSs } of [atClient, atServer]) {
      expect(keys(fromProc)).toEqual(keys(fromSs));
      expect(queues(fromProc)).toEqual(queues(fromSs));
      expect(uidsAndInodes(fromProc)).toEqual(uidsAndInodes(fromSs));
    }
    // Owners only at the workbench, where ss runs beside the processes (as root, like them). The
    // helper shares tcp-echo's network namespace but not its PID namespace, so ss -p there names no
    // process (and the snapshot read there finds none either); the inodes compared above are what
    // ties a socket to a process's file descriptor.
    expect(owners(atClient.fromProc)).toEqual(owners(atClient.fromSs));

    // The comparisons above are about sockets that are really there, with the values made on purpose.
    const states = (tables: BothTables) => new Set(tables.fromProc.map((row) => row.state));
    expect([...states(atClient)]).toEqual(
      expect.arrayContaining(["FIN_WAIT2", "ESTABLISHED", "TIME_WAIT", "UNCONN"]),
    );
    expect([...states(atServer)]).toEqual(expect.arrayContaining(["LISTEN", "CLOSE_WAIT", "ESTABLISHED"]));
    for (const rows of [atServer.fromProc, atServer.fromSs]) {
      expect(rows.find((row) => row.localPort === 7302 && row.remotePort === writerPort)).toMatchObject({
        state: "ESTABLISHED",
        receiveQueueBytes: UNREAD_BYTES,
        uid: 10001,
      });
    }
    for (const rows of [atClient.fromProc, atClient.fromSs]) {
      expect(rows.find((row) => row.localPort === unackedPort && row.remotePort === 7)).toMatchObject({
        state: "ESTABLISHED",
        sendQueueBytes: UNACKED_BYTES,
        owner: { program: "socket-puppet" },
      });
    }
    expect(owners(atClient.fromProc)).toEqual(expect.arrayContaining([expect.stringMatching(/\/socat$/)]));
    await lab.sh("workbench", "pkill socat");
  });
});
