// Records the runs that docs/tcp-states.md draws as ladders, in a lab of its own, from the kernel's
// tracepoints and both ends' captures; render-ladders.ts draws them. Run it again when the lab
// changes (it needs Docker and a kernel with tracefs):   npm run docs:record
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { startTrace } from "../../labkit/trace/start-trace.ts";
import type { PacketEvent, Timeline, TraceEvent } from "../../labkit/trace/trace-event.ts";

const RECORDED_DIR = path.join(import.meta.dirname, "recorded");
const WAIT_MS = 10_000;

interface Run {
  /** The recording's file: recorded/<name>.timeline.json. */
  name: string;
  port: number;
  /** What the workbench runs. */
  command: readonly string[];
  /** The last transitions of the run, each `end>state`: the recording stops once all came. */
  until: readonly string[];
}

export const RECORDED_RUNS: readonly Run[] = [
  {
    name: "echo",
    port: 7,
    command: ["sh", "-c", "echo hi | nc -q1 tcp-echo 7"],
    until: ["workbench>TIME_WAIT", "tcp-echo>CLOSE"],
  },
  { name: "refused", port: 9, command: ["nc", "-z", "tcp-echo", "9"], until: ["workbench>CLOSE"] },
  {
    name: "reset",
    port: 7,
    command: [
      "python3",
      "-c",
      "import socket, struct; s = socket.create_connection(('tcp-echo', 7)); " +
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()",
    ],
    until: ["workbench>CLOSE", "tcp-echo>CLOSE"],
  },
];

async function record(lab: Lab, run: Run): Promise<Timeline> {
  await using trace = await startTrace(lab, { services: ["workbench", "tcp-echo"], port: run.port });
  await lab.exec("workbench", run.command);
  for (const mark of run.until) {
    const [end, state] = mark.split(">");
    await trace.waitForEvent(
      (e): e is TraceEvent => e.kind === "transition" && e.end === end && e.to === state,
      { timeoutMs: WAIT_MS, what: `${mark} in the trace of ${run.name}` },
    );
  }
  return onlyTheConnection(await trace.stop());
}

/** The one connection the workbench opened, its first event within the first millisecond. */
function onlyTheConnection(timeline: Timeline): Timeline {
  const syn = timeline.events.find(
    (e): e is PacketEvent => e.kind === "packet" && e.end === "workbench" && e.flags === "S",
  );
  if (!syn) throw new Error("no SYN from the workbench was captured");
  const port = syn.local.port;
  const events = timeline.events.filter((e) => e.local.port === port || e.remote.port === port);
  // Whole milliseconds, so that startedAt (milliseconds) still says when atNs 0 was.
  const shiftMs = Math.floor((events[0]?.atNs ?? 0) / 1e6);
  return {
    ...timeline,
    startedAt: new Date(Date.parse(timeline.startedAt) + shiftMs).toISOString(),
    events: events.map((e) => ({ ...e, atNs: e.atNs - shiftMs * 1e6 })),
  };
}

if (import.meta.main) {
  // testcontainers' reaper image cannot be pulled where no registry answers: set before it loads.
  process.env["TESTCONTAINERS_RYUK_DISABLED"] ??= "true";
  const { startLab } = await import("../../labkit/lab/start-lab.ts");
  await using lab = await startLab({ build: true });
  for (const run of RECORDED_RUNS) {
    const timeline = await record(lab, run);
    if (timeline.statesSource !== "kernel")
      throw new Error(`${run.name}: states were not read from the kernel`);
    const file = path.join(RECORDED_DIR, `${run.name}.timeline.json`);
    writeFileSync(file, `${JSON.stringify(timeline, null, 2)}\n`);
    console.log(
      `recorded ${run.name}: ${timeline.events.length} events in ${path.relative(process.cwd(), file)}`,
    );
  }
}
