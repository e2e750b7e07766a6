import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { startTrace, type TraceRecorder } from "../../labkit/trace/start-trace.ts";
import type { TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import "../../labkit/trace/trace-matchers.ts";

// The states suite's scenarios again, each traced: the exact sequence of transitions the kernel
// reports at both ends, not only the state a snapshot catches.
const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";
const WAIT_MS = 10_000;

let lab: Lab;
let clientIp: string;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
  clientIp = (await lab.sh("workbench", "hostname -i")).trim();
});

afterAll(async () => {
  await lab.down();
});

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

const entered =
  (end: string, to: string) =>
  (event: TraceEvent): event is TransitionEvent =>
    event.kind === "transition" && event.end === end && event.to === to;

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
      "SYN_RECV",
      "ESTABLISHED",
      "FIN_WAIT1",
      "FIN_WAIT2",
      "TIME_WAIT",
    ]);
  });
});
