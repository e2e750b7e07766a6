import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import type { PacketEvent, TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { spawnSocklab, untilTraceRecords } from "../support/run-socklab.ts";

// `socklab trace tcp-echo workbench` while the workbench runs `echo hi | nc -q1 tcp-echo 7`: the
// live ladder shows both ends' whole sequences, with the packets between them, and an SVG of it.
const WAIT_MS = 15_000;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

/** Each service's states in the order the ladder printed them, by the column the mark is in. */
function statesByColumn(ladder: string): Record<string, string[]> {
  const lines = ladder.split("\n");
  const header = lines.find((line) => line.includes("tcp-echo ") && line.includes("workbench ")) ?? "";
  const columns = ["tcp-echo", "workbench"].map((service) => ({ service, x: header.indexOf(`${service} `) }));
  const states: Record<string, string[]> = { "tcp-echo": [], workbench: [] };
  for (const line of lines) {
    const mark = line.indexOf("■");
    if (mark < 0) continue;
    const nearest = columns.reduce((a, b) => (Math.abs(b.x - mark) < Math.abs(a.x - mark) ? b : a));
    states[nearest.service]?.push(/■ (\S+)/.exec(line)?.[1] ?? "");
  }
  return states;
}

/** The direction of each arrow whose label starts with `flags`, in the order printed. */
function arrowsOf(ladder: string, flags: string): string[] {
  return ladder
    .split("\n")
    .filter((line) => line.includes(`─ ${flags}`))
    .map((line) =>
      /◀─ /.test(line) ? "workbench → tcp-echo" : /─+▶/.test(line) ? "tcp-echo → workbench" : line,
    );
}

it("prints when it is recording, then a ladder of both ends' sequences and the packets between them", async () => {
  const folder = await mkdtemp(path.join(tmpdir(), "socklab-trace-cli-"));
  const svgFile = path.join(folder, "echo.svg");
  const cli = spawnSocklab(lab, ["trace", "tcp-echo", "workbench", "--port", "7", "--svg", svgFile]);
  try {
    const { output, closed } = await untilTraceRecords(cli, WAIT_MS);
    expect(output.stderr).toMatch(
      /recording tcp-echo \(.+\), workbench \(.+\), states from the kernel; until Ctrl-C/,
    );
    expect(await lab.sh("workbench", "echo hi | nc -q1 tcp-echo 7")).toBe("hi\n");
    await waitFor(
      () => (output.stdout.includes("■ TIME_WAIT") && output.stdout.includes("■ CLOSE") ? true : undefined),
      {
        timeoutMs: WAIT_MS,
        what: "the ladder to show the close at both ends",
        describeLast: () => output.stdout,
      },
    );
    cli.kill("SIGINT");
    const [exitCode] = (await closed) as [number | null];

    expect(exitCode).toBe(0);
    expect(statesByColumn(output.stdout)).toEqual({
      workbench: ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"],
      "tcp-echo": ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"],
    });
    for (const segment of ["[S] seq 0", "[S.] seq 0 ack 1", "len 3", "[F.]"])
      expect(output.stdout).toContain(segment);
    // tcp-echo is the left column and the workbench the right one: its SYN points left.
    expect(arrowsOf(output.stdout, "[S] ")).toEqual(["workbench → tcp-echo"]);
    expect(arrowsOf(output.stdout, "[S.] ")).toEqual(["tcp-echo → workbench"]);
    expect(arrowsOf(output.stdout, "[F.] ")).toEqual(["workbench → tcp-echo", "tcp-echo → workbench"]);
    const svg = await readFile(svgFile, "utf8");
    expect(svg).toContain("TIME_WAIT");
    expect(output.stderr).toContain(`wrote the ladder to ${svgFile}`);
  } finally {
    if (cli.exitCode === null) cli.kill("SIGKILL");
    await rm(folder, { recursive: true, force: true });
  }
});

/** What `socklab trace --json` printed, one event a line. */
function parseJsonLines(stdout: string): TraceEvent[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TraceEvent);
}

/** `from>to` of each transition at one end of one connection, in order. */
function transitionsOf(
  events: readonly TraceEvent[],
  end: string,
  port: { local?: number; remote?: number },
) {
  return events
    .filter(
      (e): e is TransitionEvent =>
        e.kind === "transition" &&
        e.end === end &&
        (port.local === undefined || e.local.port === port.local) &&
        (port.remote === undefined || e.remote.port === port.remote),
    )
    .map((e) => `${e.from}>${e.to}`);
}

/** Each packet of the connection at `end`, as `<sender>: flags seq ack len`: the same words at both ends. */
function wireOf(events: readonly TraceEvent[], end: string, clientPort: number): string[] {
  return events
    .filter(
      (e): e is PacketEvent =>
        e.kind === "packet" && e.end === end && (e.local.port === clientPort || e.remote.port === clientPort),
    )
    .map((e) => {
      const sender = e.direction === "out" ? e.end : e.end === "workbench" ? "tcp-echo" : "workbench";
      return `${sender}: ${e.flags} ${e.seq} ${e.ack} ${e.lengthBytes}`;
    });
}

it("prints JSON lines of both ends' whole sequences and the packets between them, having said it records first", async () => {
  const cli = spawnSocklab(lab, ["trace", "tcp-echo", "workbench", "--json"]);
  try {
    const { output, closed } = await untilTraceRecords(cli, WAIT_MS);
    const printedBeforeTraffic = output.stdout;
    expect(await lab.sh("workbench", "echo hi | nc -q1 tcp-echo 7")).toBe("hi\n");
    const closedAtBothEnds = () => {
      const events = parseJsonLines(output.stdout.slice(0, output.stdout.lastIndexOf("\n") + 1));
      const to = (end: string, state: string) =>
        events.some((e) => e.kind === "transition" && e.end === end && e.to === state);
      return to("workbench", "TIME_WAIT") && to("tcp-echo", "CLOSE") ? true : undefined;
    };
    await waitFor(closedAtBothEnds, {
      timeoutMs: WAIT_MS,
      what: "the JSON lines to show the close at both ends",
      describeLast: () => output.stdout,
    });
    cli.kill("SIGINT");
    const [exitCode] = (await closed) as [number | null];
    expect(exitCode, output.stderr).toBe(0);

    expect(printedBeforeTraffic).toBe("");
    expect(output.stderr).toMatch(
      /^socklab trace: recording tcp-echo \(.+\), workbench \(.+\), states from the kernel/,
    );
    const events = parseJsonLines(output.stdout);
    const syn = events.find(
      (e): e is PacketEvent => e.kind === "packet" && e.end === "workbench" && e.flags === "S",
    );
    const clientPort = syn?.local.port ?? 0;
    expect(syn?.remote.port).toBe(7);
    expect(transitionsOf(events, "workbench", { local: clientPort })).toEqual([
      "CLOSE>SYN_SENT",
      "SYN_SENT>ESTABLISHED",
      "ESTABLISHED>FIN_WAIT1",
      "FIN_WAIT1>FIN_WAIT2",
      "FIN_WAIT2>TIME_WAIT",
    ]);
    // The server's side is a child of the listener: the kernel reports it from LISTEN.
    expect(transitionsOf(events, "tcp-echo", { remote: clientPort })).toEqual([
      "LISTEN>SYN_RECV",
      "SYN_RECV>ESTABLISHED",
      "ESTABLISHED>CLOSE_WAIT",
      "CLOSE_WAIT>LAST_ACK",
      "LAST_ACK>CLOSE",
    ]);
    // Every packet left one end and arrived at the other, each side's in the order sent (the
    // two directions may cross); the handshake, 3 bytes each way, and a FIN each way.
    const atClient = wireOf(events, "workbench", clientPort);
    const atServer = wireOf(events, "tcp-echo", clientPort);
    for (const sender of ["workbench", "tcp-echo"]) {
      const sent = (wire: string[]) => wire.filter((p) => p.startsWith(`${sender}:`));
      expect(sent(atServer)).toEqual(sent(atClient));
    }
    expect(atClient.slice(0, 3)).toEqual(["workbench: S 0 0 0", "tcp-echo: S. 0 1 0", "workbench: . 1 1 0"]);
    // nc's FIN may leave before the echo comes back: the echo then acknowledges it too (5, not 4),
    // and the FIN acknowledges only the handshake (1, not 4).
    const data = atClient.filter((p) => p.endsWith(" 3"));
    expect(data).toHaveLength(2);
    expect(data[0]).toBe("workbench: P. 1 1 3");
    expect(data[1]).toMatch(/^tcp-echo: P\. 1 [45] 3$/);
    const fins = atClient.filter((p) => p.includes(": F"));
    expect(fins).toHaveLength(2);
    expect(fins[0]).toMatch(/^workbench: F\. 4 [14] 0$/);
    expect(fins[1]).toBe("tcp-echo: F. 4 5 0");
    expect(atClient.at(-1)).toBe("workbench: . 5 5 0");
  } finally {
    if (cli.exitCode === null) cli.kill("SIGKILL");
  }
});
