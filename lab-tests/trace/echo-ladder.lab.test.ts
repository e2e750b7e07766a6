import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { TRACE_HELPER_LABEL } from "../../labkit/trace/start-helper-container.ts";
import type { TraceRecorder } from "../../labkit/trace/start-trace.ts";
import { withTraceEvidence } from "../../labkit/trace/write-trace-evidence.ts";
import type { PacketEvent, Timeline, TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import "../../labkit/trace/trace-matchers.ts";

// The timeline of real connections between the workbench and tcp-echo: the kernel's own state
// changes at both ends and the packets captured in both namespaces, on one clock.
const ECHO_PORT = 7;
const CLOSED_PORT = 9;
const WAIT_MS = 10_000;
const CLIENT_CLOSE = ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"] as const;
const SERVER_CLOSE = ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"] as const;
// A socket closed with SO_LINGER 0 sends a RST instead of a FIN.
const RESET_CLOSE =
  "import socket, struct; s = socket.create_connection(('tcp-echo', 7)); " +
  "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()";

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

const isTransition =
  (end: string, to: string) =>
  (event: TraceEvent): event is TransitionEvent =>
    event.kind === "transition" && event.end === end && event.to === to;

/** The wire as the workbench saw it: `out S`, `in S.`, ... for its connection to `port`. */
function wireAt(timeline: Timeline, localPort: number): string[] {
  return timeline.events
    .filter(
      (e): e is PacketEvent => e.kind === "packet" && e.end === "workbench" && e.local.port === localPort,
    )
    .map((e) => `${e.direction} ${e.flags}`);
}

function clientPortOf(timeline: Timeline, remotePort: number): number {
  const syn = timeline.events.find(
    (e) =>
      e.kind === "packet" && e.end === "workbench" && e.direction === "out" && e.remote.port === remotePort,
  );
  if (!syn) throw new Error(`no SYN from the workbench to port ${remotePort} was captured`);
  return syn.local.port;
}

async function traceEchoWithoutStop(trace: TraceRecorder): Promise<void> {
  expect(await lab.sh("workbench", `echo hi | nc -q1 tcp-echo ${ECHO_PORT}`)).toBe("hi\n");
  await trace.waitForEvent(isTransition("tcp-echo", "CLOSE"), {
    timeoutMs: WAIT_MS,
    what: "tcp-echo's CLOSE",
  });
  await trace.waitForEvent(isTransition("workbench", "TIME_WAIT"), {
    timeoutMs: WAIT_MS,
    what: "the workbench's TIME_WAIT",
  });
}

async function traceEcho(trace: TraceRecorder): Promise<Timeline> {
  await traceEchoWithoutStop(trace);
  return trace.stop();
}

describe("a trace of `echo hi | nc -q1 tcp-echo 7` from the workbench", () => {
  it("shows both ends' full sequences, from the kernel, and every packet between them", async () => {
    await using trace = await lab.trace({ services: ["workbench", "tcp-echo"], port: ECHO_PORT });
    const timeline = await traceEcho(trace);
    const clientPort = clientPortOf(timeline, ECHO_PORT);

    expect(timeline.statesSource).toBe("kernel");
    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [...CLIENT_CLOSE]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [...SERVER_CLOSE]);
    const wire = wireAt(timeline, clientPort);
    // The handshake, 3 bytes each way (ACKs may ride on data), and a close with a FIN each way.
    expect(wire.slice(0, 4)).toEqual(["out S", "in S.", "out .", "out P."]);
    expect(wire.filter((w) => w.includes("F"))).toEqual(["out F.", "in F."]);
    expect(wire.at(-1)).toBe("out .");
    expect(trace.losses()).toEqual({ kernelEvents: 0, packets: 0 });
  });

  it("puts the client's SYN_SENT before its SYN leaves, and the server's SYN_RECV after the SYN arrives", async () => {
    await using trace = await lab.trace({ services: ["workbench", "tcp-echo"], port: ECHO_PORT });
    const timeline = await traceEcho(trace);
    const clientPort = clientPortOf(timeline, ECHO_PORT);
    const at = (match: (e: TraceEvent) => boolean) => timeline.events.findIndex(match);
    const synSent = at((e) => e.kind === "transition" && e.end === "workbench" && e.to === "SYN_SENT");
    const synLeaves = at(
      (e) => e.kind === "packet" && e.end === "workbench" && e.direction === "out" && e.flags === "S",
    );
    const synArrives = at(
      (e) => e.kind === "packet" && e.end === "tcp-echo" && e.direction === "in" && e.flags === "S",
    );
    const synRecv = at((e) => e.kind === "transition" && e.end === "tcp-echo" && e.to === "SYN_RECV");
    expect([synSent, synLeaves, synArrives, synRecv].every((i) => i >= 0)).toBe(true);
    expect(synSent).toBeLessThan(synLeaves);
    expect(synLeaves).toBeLessThan(synArrives);
    expect(synArrives).toBeLessThan(synRecv);
    expect(timeline.events[synSent]?.local.port).toBe(clientPort);
  });

  it("infers the same sequences from packets when told tracefs is out of reach, and says so", async () => {
    await using trace = await lab.trace({
      services: ["workbench", "tcp-echo"],
      port: ECHO_PORT,
      states: "inferred",
    });
    const timeline = await traceEcho(trace);
    const clientPort = clientPortOf(timeline, ECHO_PORT);

    expect(timeline.statesSource).toBe("inferred");
    expect(timeline.inferredBecause).toMatch(/inferred/);
    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [...CLIENT_CLOSE]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, [...SERVER_CLOSE]);
    expect(timeline.events.filter((e) => e.kind === "transition").every((e) => e.inferred)).toBe(true);
  });

  it("leaves no helper container behind", async () => {
    const helpers = await dockerClient().listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${TRACE_HELPER_LABEL}=${lab.projectName}`] }),
    });
    expect(helpers.map((h) => h.Names)).toEqual([]);
  });
});

describe("a trace of resets", () => {
  it("shows a SYN to a closed port refused by a RST the server's kernel sends", async () => {
    await using trace = await lab.trace({ services: ["workbench", "tcp-echo"], port: CLOSED_PORT });
    const refused = await lab.exec("workbench", ["nc", "-z", "tcp-echo", String(CLOSED_PORT)]);
    expect(refused.exitCode).not.toBe(0);
    await trace.waitForEvent(isTransition("workbench", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "the client's CLOSE",
    });
    const timeline = await trace.stop();
    const clientPort = clientPortOf(timeline, CLOSED_PORT);

    expect(timeline).toHaveTransitions({ service: "workbench", localPort: clientPort }, [
      "SYN_SENT",
      "CLOSE",
    ]);
    expect(timeline).toHaveTransitions({ service: "tcp-echo", remotePort: clientPort }, []);
    const resets = timeline.events.filter((e) => e.kind === "reset").map((e) => `${e.end} ${e.direction}`);
    expect(resets).toEqual(["tcp-echo sent", "workbench received"]);
    expect(wireAt(timeline, clientPort)).toEqual(["out S", "in R."]);
  });

  it("shows an established connection reset by the client (SO_LINGER 0) at both ends", async () => {
    await using trace = await lab.trace({ services: ["workbench", "tcp-echo"], port: ECHO_PORT });
    await lab.exec("workbench", ["python3", "-c", RESET_CLOSE]);
    await trace.waitForEvent(isTransition("tcp-echo", "CLOSE"), {
      timeoutMs: WAIT_MS,
      what: "tcp-echo's CLOSE",
    });
    const timeline = await trace.stop();
    const clientPort = clientPortOf(timeline, ECHO_PORT);

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
    expect(wireAt(timeline, clientPort)).toEqual(["out S", "in S.", "out .", "out R."]);
  });
});

describe("evidence of a failing traced check", () => {
  it("writes the ladder, both tables and both captures to a folder named in the failure", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "socklab-trace-evidence-"));
    try {
      await using trace = await lab.trace({
        services: ["workbench", "tcp-echo"],
        port: ECHO_PORT,
        keepPcap: true,
      });
      const failing = withTraceEvidence(
        lab,
        trace,
        "a deliberately failing check",
        async () => {
          await traceEchoWithoutStop(trace);
          expect(trace).toHaveTransitions({ service: "workbench", remotePort: ECHO_PORT }, [
            "SYN_SENT",
            "CLOSING",
          ]);
        },
        root,
      );
      const error = await failing.then(
        () => undefined,
        (thrown: unknown) => thrown as Error,
      );
      const folder =
        /trace evidence \(ladder, tables, pcap\) in (.+)$/m.exec(error?.message ?? "")?.[1] ?? "";
      expect(error?.message).toMatch(/to go through SYN_SENT CLOSING; it went through SYN_SENT ESTABLISHED/);
      expect(path.dirname(folder)).toBe(root);
      expect((await readdir(folder)).sort()).toEqual([
        "ladder.svg",
        "ladder.txt",
        "tables.txt",
        "tcp-echo.pcap",
        "timeline.jsonl",
        "workbench.pcap",
      ]);
      expect(await readFile(path.join(folder, "ladder.txt"), "utf8")).toContain("■ TIME_WAIT");
      expect(await readFile(path.join(folder, "tables.txt"), "utf8")).toContain("TIME_WAIT");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
