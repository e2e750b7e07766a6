import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { TRACE_HELPER_LABEL } from "../../labkit/trace/start-helper-container.ts";
import { decodePcap } from "../../labkit/trace/pcap-decoder.ts";
import type { TraceRecorder } from "../../labkit/trace/start-trace.ts";
import { withTraceEvidence } from "../../labkit/trace/write-trace-evidence.ts";
import type { PacketEvent, Timeline, TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import "../../labkit/trace/trace-matchers.ts";
import { EVIDENCE_LINE } from "../support/record-failure-evidence.ts";

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

const FIXTURE_CONFIG = "lab-tests/trace/fixtures/vitest.failing-fixture.config.ts";
const VITEST = path.join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
const TEST_NAME = "expects the echo's client to end in CLOSING (it ends in TIME_WAIT: a deliberate failure)";

// What a failing traced test leaves in its evidence folder, sorted.
const EVIDENCE_FILES = [
  "ladder.svg",
  "ladder.txt",
  "tables.txt",
  "tcp-echo.pcap",
  "timeline.jsonl",
  "workbench.pcap",
];

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
      expect((await readdir(folder)).sort()).toEqual(EVIDENCE_FILES);
      expect(await readFile(path.join(folder, "ladder.txt"), "utf8")).toContain("■ TIME_WAIT");
      expect(await readFile(path.join(folder, "tables.txt"), "utf8")).toContain("TIME_WAIT");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/** Runs the failing fixture in a child vitest on this lab; its exit code and everything it printed. */
async function runFailingFixture(
  scratchDir: string,
  junitFile: string,
): Promise<{ exitCode: number | null; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
  const child = spawn(process.execPath, [VITEST, "run", "--config", FIXTURE_CONFIG], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      NO_COLOR: "1",
      SOCKLAB_EVIDENCE_DIR: path.join(scratchDir, "evidence"),
      SOCKLAB_FIXTURE_JUNIT: junitFile,
      SOCKLAB_FIXTURE_LAB: JSON.stringify({
        projectName: lab.projectName,
        networkName: lab.networkName,
        containers: { workbench: lab.containerId("workbench"), "tcp-echo": lab.containerId("tcp-echo") },
      }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
  const [exitCode] = (await once(child, "close")) as [number | null];
  return { exitCode, output };
}

describe("a lab test that fails (a fixture run in a child vitest on this lab)", () => {
  it("writes the ladder, both tables and both pcaps to a folder its message and JUnit name", async () => {
    const scratchDir = await mkdtemp(path.join(tmpdir(), "socklab-failure-evidence-"));
    try {
      const junitFile = path.join(scratchDir, "junit.xml");
      const { exitCode, output } = await runFailingFixture(scratchDir, junitFile);

      expect(exitCode, output).toBe(1);
      expect(output).toContain("expected 'TIME_WAIT' to be 'CLOSING'");
      const folder = /evidence \(ladder, socket tables, pcap\): (\S+)/.exec(output)?.[1] ?? "";
      expect(folder, output).toBe(
        path.join(scratchDir, "evidence", "trace", "fixtures", "failing-echo.fixture", slugOf(TEST_NAME)),
      );
      expect((await readdir(folder)).sort()).toEqual(EVIDENCE_FILES);
      for (const file of await readdir(folder))
        expect((await stat(path.join(folder, file))).size).toBeGreaterThan(0);

      // The ladder: the connection's SYN leaving the workbench, and both ends' states.
      const ladder = await readFile(path.join(folder, "ladder.txt"), "utf8");
      expect(ladder).toMatch(/│─ \[S\] seq 0 win \d+ .*─▶/);
      expect(ladder).toMatch(/◀─ \[S\.\] seq 0 ack 1 /);
      for (const state of ["SYN_SENT", "SYN_RECV", "FIN_WAIT1", "TIME_WAIT", "LAST_ACK"])
        expect(ladder).toContain(`■ ${state}`);
      const svg = await readFile(path.join(folder, "ladder.svg"), "utf8");
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain("[S] seq 0");

      // Both ends' tables, as they were when the test failed.
      const tables = await readFile(path.join(folder, "tables.txt"), "utf8");
      expect(tables).toMatch(/^workbench/m);
      expect(tables).toMatch(/^tcp-echo/m);
      expect(tables).toMatch(/TIME_WAIT/);
      expect(tables).toMatch(/LISTEN/);

      // Each end's capture: the handshake that opens the connection, as each namespace saw it.
      const workbench = decodePcap(await readFile(path.join(folder, "workbench.pcap")));
      const echo = decodePcap(await readFile(path.join(folder, "tcp-echo.pcap")));
      expect(workbench.slice(0, 3).map((s) => s.flags)).toEqual(["S", "S.", "."]);
      expect(workbench[0]?.dst.port).toBe(7);
      expect(echo.map((s) => s.flags)).toContain("F.");
      expect(echo[0]?.flags).toBe("S");

      // The JUnit report names the folder, in the test's output and in its failure message.
      const junit = await readFile(junitFile, "utf8");
      expect(junit).toMatch(new RegExp(`<system-out>\\s*${EVIDENCE_LINE} ${folder}\\s*</system-out>`));
      expect(junit).toMatch(
        new RegExp(`<failure message="[^"]*evidence \\(ladder, socket tables, pcap\\): ${folder}`),
      );
    } finally {
      await rm(scratchDir, { recursive: true, force: true });
    }
  });
});

function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
