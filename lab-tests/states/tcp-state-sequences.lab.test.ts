import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { startTrace, type TraceRecorder } from "../../labkit/trace/start-trace.ts";
import type { Timeline, TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import { readEnds } from "../../labkit/socket-table/read-ends.ts";
import "../../labkit/socket-table/socket-matchers.ts";
import { waitForNoSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import "../../labkit/trace/trace-matchers.ts";
import { recordFailureEvidence } from "../support/record-failure-evidence.ts";

// The states suite's scenarios again, each traced: the exact sequence of transitions the kernel
// reports at both ends, not only the state a snapshot catches.
const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";
const ECHO_PORT = 7;
const WAIT_MS = 10_000;
// A client that connects with TCP_SYNCNT SYN retransmissions (the sysctl's when none), prints the
// outcome (`connected`, or the errno's name), and closes first, reading until the server's FIN so that
// it is not an orphan when that FIN comes.
const SYN_CLIENT = [
  "import errno, socket, sys",
  "s = socket.socket()",
  "n = int(sys.argv[2]) if len(sys.argv) > 2 else 0",
  "n and s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, n)",
  "try:",
  "    s.connect(('tcp-echo', int(sys.argv[1]))); print('connected')",
  "    s.shutdown(socket.SHUT_WR); s.recv(1)",
  "except OSError as e:",
  "    print(errno.errorcode[e.errno])",
  "s.close()",
].join("\n");

// The halves of the sequences every scenario shares: how each end opens, and how each side closes.
const CLIENT_OPENS = ["SYN_SENT", "ESTABLISHED"] as const;
const SERVER_OPENS = ["SYN_RECV", "ESTABLISHED"] as const;
const CLOSES_FIRST = ["FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"] as const;
const CLOSES_SECOND = ["CLOSE_WAIT", "LAST_ACK", "CLOSE"] as const;

let lab: Lab;
let clientIp: string;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
  clientIp = (await lab.sh("workbench", "hostname -i")).trim();
});

afterAll(async () => {
  await lab.down();
});

// A failing check leaves the ladder, both tables and both pcaps of its last connections in lab-evidence/.
recordFailureEvidence(() => lab, { services: ["workbench", "tcp-echo"] });

async function connectFromWorkbench(
  port: number,
  options: { allowHalfOpen?: boolean } = {},
): Promise<Puppet> {
  const puppet = await startPuppet("workbench", lab.container("workbench").id);
  puppet.send({ op: "connect", host: "tcp-echo", port, ...options });
  return puppet;
}

async function listenInService(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Puppet> {
  const puppet = await startPuppet("tcp-echo", lab.container("tcp-echo").id);
  puppet.send({ op: "listen", port, ...options });
  await puppet.next("listening");
  return puppet;
}

function traceBothEnds(port: number): Promise<TraceRecorder> {
  return startTrace(lab, { services: ["workbench", "tcp-echo"], port });
}

/** Runs SYN_CLIENT in the workbench against `port`; resolves with what it printed. */
async function synClient(port: number, synRetries?: number): Promise<string> {
  const args = ["python3", "-c", SYN_CLIENT, String(port), ...(synRetries ? [String(synRetries)] : [])];
  return (await lab.exec("workbench", args)).stdout.trim();
}

const entered =
  (end: string, to: string) =>
  (event: TraceEvent): event is TransitionEvent =>
    event.kind === "transition" && event.end === end && event.to === to;

/** How many segments with exactly these flags `end` sent. */
function sentBy(timeline: Timeline, end: string, flags: string): number {
  return timeline.events.filter(
    (e) => e.kind === "packet" && e.end === end && e.direction === "out" && e.flags === flags,
  ).length;
}

/** Waits until `end` has sent `count` segments with these flags (retransmissions included). */
async function waitForSent(trace: TraceRecorder, end: string, flags: string, count: number): Promise<void> {
  await waitFor(() => (sentBy(trace.timeline(), end, flags) >= count ? true : undefined), {
    timeoutMs: WAIT_MS,
    what: `${count} [${flags}] sent by ${end}`,
  });
}

function clientPortOf(timeline: Timeline, port: number): number {
  const syn = timeline.events.find(
    (e) => e.kind === "packet" && e.end === "workbench" && e.direction === "out" && e.remote.port === port,
  );
  if (!syn) throw new Error(`no SYN from the workbench to port ${port} was captured`);
  return syn.local.port;
}

async function withRule<T>(helper: string, rule: string, body: () => Promise<T>): Promise<T> {
  await lab.sh(helper, `iptables -I ${rule}`);
  try {
    return await body();
  } finally {
    await lab.sh(helper, `iptables -D ${rule}`);
  }
}

describe("exact sequences of transitions at both ends", () => {
  it("half-closes: the client through FIN_WAIT1 into FIN_WAIT2, the server into CLOSE_WAIT", async () => {
    const port = 7201;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const clientPort = (await puppet.next("connected")).localPort;
    await service.next("connection");
    puppet.send({ op: "end" });
    await trace.waitForEvent(entered("workbench", "FIN_WAIT2"), { timeoutMs: WAIT_MS, what: "FIN_WAIT2" });
    await trace.waitForEvent(entered("tcp-echo", "CLOSE_WAIT"), { timeoutMs: WAIT_MS, what: "CLOSE_WAIT" });
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "ESTABLISHED",
      "FIN_WAIT1",
      "FIN_WAIT2",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      "SYN_RECV",
      "ESTABLISHED",
      "CLOSE_WAIT",
    ]);
  });

  it("resets on a zero-linger close: ESTABLISHED to CLOSE at both ends, a RST sent and received", async () => {
    const port = 7202;
    await using service = await listenInService(port);
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port);
    const clientPort = (await puppet.next("connected")).localPort;
    await service.next("connection");
    puppet.send({ op: "reset" });
    await trace.waitForEvent(entered("tcp-echo", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the server's CLOSE",
    });
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "ESTABLISHED",
      "CLOSE",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      "SYN_RECV",
      "ESTABLISHED",
      "CLOSE",
    ]);
    const resets = timeline.events.filter((e) => e.kind === "reset").map((e) => `${e.end} ${e.direction}`);
    expect(resets.sort()).toEqual(["tcp-echo received", "workbench sent"]);
  });

  it("goes through CLOSING at the client when both ends close and the client's FIN is lost", async () => {
    const port = 7203;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const clientPort = (await puppet.next("connected")).localPort;
    await service.next("connection");
    await withRule(
      "tcp-echo-netadmin",
      `INPUT -p tcp -s ${clientIp} --sport ${clientPort} -j DROP`,
      async () => {
        puppet.send({ op: "end" });
        await trace.waitForEvent(entered("workbench", "FIN_WAIT1"), {
          timeoutMs: WAIT_MS,
          what: "FIN_WAIT1",
        });
        service.send({ op: "end" });
        await trace.waitForEvent(entered("workbench", "CLOSING"), { timeoutMs: WAIT_MS, what: "CLOSING" });
      },
    );
    await trace.waitForEvent(entered("workbench", "TIME_WAIT"), {
      timeoutMs: WAIT_MS,
      what: "client TIME_WAIT",
    });
    await trace.waitForEvent(entered("tcp-echo", "TIME_WAIT"), {
      timeoutMs: WAIT_MS,
      what: "server TIME_WAIT",
    });
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "ESTABLISHED",
      "FIN_WAIT1",
      "CLOSING",
      "TIME_WAIT",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      ...SERVER_OPENS,
      ...CLOSES_FIRST,
    ]);
  });

  it("holds FIN_WAIT1 at the client while its FIN is lost, retransmits it, then closes as usual", async () => {
    await using trace = await traceBothEnds(ECHO_PORT);
    await using puppet = await connectFromWorkbench(ECHO_PORT);
    const clientPort = (await puppet.next("connected")).localPort;
    await withRule(
      "tcp-echo-netadmin",
      `INPUT -p tcp -s ${clientIp} --sport ${clientPort} --tcp-flags FIN FIN -j DROP`,
      async () => {
        puppet.send({ op: "end" });
        await trace.waitForEvent(
          (e): e is TraceEvent => e.kind === "retransmit" && e.end === "workbench" && e.state === "FIN_WAIT1",
          { timeoutMs: WAIT_MS, what: "the client's FIN retransmitted" },
        );
        // Held: the FIN is out but unacknowledged, and the server knows nothing of it.
        expect(trace).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
          "SYN_SENT",
          "ESTABLISHED",
          "FIN_WAIT1",
        ]);
        expect(trace).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
          "SYN_RECV",
          "ESTABLISHED",
        ]);
      },
    );
    await trace.waitForEvent(entered("tcp-echo", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the server's CLOSE",
    });
    await trace.waitForEvent(entered("workbench", "TIME_WAIT"), { timeoutMs: WAIT_MS, what: "TIME_WAIT" });
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      ...CLIENT_OPENS,
      ...CLOSES_FIRST,
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      ...SERVER_OPENS,
      ...CLOSES_SECOND,
    ]);
    expect(sentBy(timeline, "workbench", "F.")).toBeGreaterThanOrEqual(2);
  });

  it("holds LAST_ACK at the server whose FIN's ACK is lost, TIME_WAIT at the client, then CLOSE", async () => {
    const port = 7204;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port, { allowHalfOpen: true });
    const clientPort = (await puppet.next("connected")).localPort;
    await service.next("connection");
    puppet.send({ op: "end" });
    await trace.waitForEvent(entered("tcp-echo", "CLOSE_WAIT"), { timeoutMs: WAIT_MS, what: "CLOSE_WAIT" });
    await withRule(
      "tcp-echo-netadmin",
      `INPUT -p tcp -s ${clientIp} --sport ${clientPort} --tcp-flags ALL ACK -j DROP`,
      async () => {
        service.send({ op: "end" });
        await trace.waitForEvent(
          (e): e is TraceEvent => e.kind === "retransmit" && e.end === "tcp-echo" && e.state === "LAST_ACK",
          { timeoutMs: WAIT_MS, what: "the server's FIN retransmitted" },
        );
        expect(trace).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
          "SYN_RECV",
          "ESTABLISHED",
          "CLOSE_WAIT",
          "LAST_ACK",
        ]);
        expect(trace).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
          ...CLIENT_OPENS,
          ...CLOSES_FIRST,
        ]);
      },
    );
    // TIME_WAIT answers the retransmitted FIN with an ACK that now gets through.
    await trace.waitForEvent(entered("tcp-echo", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the server's CLOSE",
    });
    const timeline = await trace.stop();
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      ...SERVER_OPENS,
      ...CLOSES_SECOND,
    ]);
    expect(sentBy(timeline, "tcp-echo", "F.")).toBeGreaterThanOrEqual(2);
  });

  it("leaves TIME_WAIT on the side that closed first: the client, then the server", async () => {
    const port = 7205;
    await using service = await listenInService(port);
    await using trace = await traceBothEnds(port);
    await using first = await connectFromWorkbench(port);
    const clientFirst = (await first.next("connected")).localPort;
    await service.next("connection");
    first.send({ op: "end" });
    await first.next("close");
    await using second = await connectFromWorkbench(port);
    const serverFirst = (await second.next("connected")).localPort;
    await service.next("connection");
    service.send({ op: "end" });
    await second.next("close");
    await trace.waitForEvent(
      (e): e is TransitionEvent =>
        e.kind === "transition" && e.end === "workbench" && e.local.port === serverFirst && e.to === "CLOSE",
      { timeoutMs: WAIT_MS, what: "the client's CLOSE after LAST_ACK" },
    );
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientFirst }, [
      ...CLIENT_OPENS,
      ...CLOSES_FIRST,
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientFirst }, [
      ...SERVER_OPENS,
      ...CLOSES_SECOND,
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: serverFirst }, [
      ...SERVER_OPENS,
      ...CLOSES_FIRST,
    ]);
    expect(timeline).toHaveTransitions({ service: "workbench", localPort: serverFirst }, [
      ...CLIENT_OPENS,
      ...CLOSES_SECOND,
    ]);
  });
});

describe("exact sequences of connections that never finish the handshake or the close", () => {
  it("holds SYN_SENT while the server drops the SYNs, retransmits, and gives up with ETIMEDOUT", async () => {
    const port = 7206;
    await using trace = await traceBothEnds(port);
    const outcome = await withRule(
      "tcp-echo-netadmin",
      `INPUT -p tcp -s ${clientIp} --dport ${port} --syn -j DROP`,
      () => synClient(port),
    );
    expect(outcome).toBe("ETIMEDOUT");
    await trace.waitForEvent(entered("workbench", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the client's CLOSE",
    });
    const timeline = await trace.stop();
    const clientPort = clientPortOf(timeline, port);

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "CLOSE",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, []);
    // Every SYN after the first is a retransmission the kernel reports, and none was answered.
    const syns = sentBy(timeline, "workbench", "S");
    expect(syns).toBeGreaterThanOrEqual(2);
    expect(timeline.events.filter((e) => e.kind === "retransmit" && e.end === "workbench")).toHaveLength(
      syns - 1,
    );
    expect(sentBy(timeline, "tcp-echo", "S.")).toBe(0);
  });

  it("reports no state at the server while its SYN-ACKs are lost, then SYN_RECV and ESTABLISHED together", async () => {
    await using trace = await traceBothEnds(ECHO_PORT);
    let client: Promise<string> | undefined;
    await withRule(
      "workbench-netadmin",
      `INPUT -p tcp --sport ${ECHO_PORT} --tcp-flags SYN,ACK SYN,ACK -j DROP`,
      async () => {
        // More SYN retransmissions than the sysctl's, so one comes after the SYN-ACKs get through.
        client = synClient(ECHO_PORT, 4);
        await waitForSent(trace, "tcp-echo", "S.", 2);
        // A request socket (the kernel's SYN_RECV) is not a full socket: no tracepoint reports it.
        const clientPort = clientPortOf(trace.timeline(), ECHO_PORT);
        expect(trace).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, []);
        // SYN_SENT is reported before the local port is chosen: matched by the remote port here.
        expect(trace).toHaveTransitions({ service: "workbench", remotePort: ECHO_PORT }, ["SYN_SENT"]);
        const [, atServer] = await readEnds(lab.container("workbench"), lab.container("tcp-echo"));
        expect(atServer).toHaveSocketInState({ localPort: ECHO_PORT, remotePort: clientPort }, "SYN_RECV");
      },
    );
    expect(await client).toBe("connected");
    await trace.waitForEvent(entered("tcp-echo", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the server's CLOSE",
    });
    const timeline = await trace.stop();
    const clientPort = clientPortOf(timeline, ECHO_PORT);

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      ...CLIENT_OPENS,
      ...CLOSES_FIRST,
    ]);
    // The full socket is made when the handshake's ACK arrives: born in SYN_RECV, ESTABLISHED at once.
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      ...SERVER_OPENS,
      ...CLOSES_SECOND,
    ]);
  });

  it("drops an orphaned FIN_WAIT2 by tcp_fin_timeout: the kernel reports CLOSE as the socket is handed over", async () => {
    const port = 7207;
    await using service = await listenInService(port, { allowHalfOpen: true });
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port);
    const clientPort = (await puppet.next("connected")).localPort;
    await service.next("connection");
    puppet.send({ op: "destroy" });
    await trace.waitForEvent(entered("tcp-echo", "CLOSE_WAIT"), { timeoutMs: WAIT_MS, what: "CLOSE_WAIT" });
    const client = lab.container("workbench");
    const server = lab.container("tcp-echo");
    await waitForNoSocket(
      client,
      { protocol: "tcp", localPort: clientPort },
      { timeoutMs: WAIT_MS, peer: server },
    );
    const timeline = await trace.stop();

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "ESTABLISHED",
      "FIN_WAIT1",
      "FIN_WAIT2",
      "CLOSE",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [
      "SYN_RECV",
      "ESTABLISHED",
      "CLOSE_WAIT",
    ]);
    // The minisocket that then waited tcp_fin_timeout left without a word on the wire or from the kernel.
    expect(sentBy(timeline, "workbench", "F.")).toBe(1);
  });

  it("refuses a connection to a port with no listener: SYN_SENT then CLOSE, the server's kernel resets", async () => {
    const port = 7999;
    await using trace = await traceBothEnds(port);
    await using puppet = await connectFromWorkbench(port);
    expect(await puppet.next("error")).toMatchObject({ code: "ECONNREFUSED" });
    await trace.waitForEvent(entered("workbench", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the client's CLOSE",
    });
    const timeline = await trace.stop();
    const clientPort = clientPortOf(timeline, port);

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "CLOSE",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, []);
    const resets = timeline.events.filter((e) => e.kind === "reset").map((e) => `${e.end} ${e.direction}`);
    expect(resets).toEqual(["tcp-echo sent", "workbench received"]);
  });
});
