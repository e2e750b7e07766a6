import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet } from "../harness/puppet/start-puppet.ts";
import { parseSs } from "../harness/socket-table/parse-ss.ts";
import { SNAPSHOT_SCRIPT, parseSnapshot, splitSections } from "../harness/socket-table/read-socket-table.ts";
import { socketKey } from "../harness/socket-table/socket-key.ts";
import { waitForSocket } from "../harness/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../harness/start-lab.ts";

const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";

// ss and the /proc tables, in one exec so that they describe the same moment.
const BOTH_SCRIPT = `echo '## ss-tcp'; ss -tanH; echo '## ss-udp'; ss -uanH; ${SNAPSHOT_SCRIPT}`;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
});

afterAll(async () => {
  await lab.down();
});

async function compareInNamespace(service: string): Promise<{ fromProc: string[]; fromSs: string[] }> {
  const { stdout } = await lab.exec(service, ["sh", "-c", BOTH_SCRIPT]);
  const sections = splitSections(stdout);
  const fromSs = [
    ...parseSs(sections.get("ss-tcp") ?? "", "tcp"),
    ...parseSs(sections.get("ss-udp") ?? "", "udp"),
  ];
  return { fromProc: parseSnapshot(sections).map(socketKey).sort(), fromSs: fromSs.map(socketKey).sort() };
}

describe("the socket table read from /proc", () => {
  it("agrees with ss in the same namespace, at both ends, with sockets in several states", async () => {
    // LISTEN and CLOSE_WAIT / FIN_WAIT2 (a half-close), ESTABLISHED, TIME_WAIT, and UDP sockets.
    await using server = await startPuppet("tcp-echo", lab.containerId("tcp-echo"));
    server.send({ op: "listen", port: 7301, allowHalfOpen: true });
    await server.next("listening");
    await using halfClosed = await startPuppet("workbench", lab.containerId("workbench"));
    halfClosed.send({ op: "connect", host: "tcp-echo", port: 7301, allowHalfOpen: true });
    await halfClosed.next("connected");
    halfClosed.send({ op: "end" });
    await server.next("end");
    await using open = await startPuppet("workbench", lab.containerId("workbench"));
    open.send({ op: "connect", host: "tcp-echo", port: 7 });
    await open.next("connected");
    await lab.sh("workbench", "echo closed | nc -N tcp-echo 7");
    await lab.sh(
      "workbench",
      "socat -u UDP-RECV:5555 /dev/null >/dev/null 2>&1 & socat -u UDP-RECV:5556,bind=127.0.0.1 /dev/null >/dev/null 2>&1 &",
    );
    await waitForSocket(
      lab.container("workbench"),
      { protocol: "udp", localPort: 5556 },
      { timeoutMs: 5_000 },
    );

    const atClient = await compareInNamespace("workbench");
    // The service image has no ss: its helper shares the service's network namespace and has one.
    const atServer = await compareInNamespace("tcp-echo-netadmin");

    for (const { fromProc, fromSs } of [atClient, atServer]) expect(fromProc).toEqual(fromSs);
    const states = (keys: string[]) => new Set(keys.map((key) => key.split(" ").at(-1)));
    expect([...states(atClient.fromProc)]).toEqual(
      expect.arrayContaining(["FIN_WAIT2", "ESTABLISHED", "TIME_WAIT", "UNCONN"]),
    );
    expect([...states(atServer.fromProc)]).toEqual(
      expect.arrayContaining(["LISTEN", "CLOSE_WAIT", "ESTABLISHED"]),
    );
    await lab.sh("workbench", "pkill socat");
  });
});
