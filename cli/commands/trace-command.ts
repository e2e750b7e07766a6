import { writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { Command, Option } from "commander";
import { renderLadderSvg } from "../../labkit/trace/render-ladder-svg.ts";
import { renderLadderText } from "../../labkit/trace/render-ladder-text.ts";
import { startTrace, type TracedLab, type TraceRecorder } from "../../labkit/trace/start-trace.ts";
import type { Timeline, TraceEvent } from "../../labkit/trace/trace-event.ts";
import { EXIT } from "../exit-codes.ts";
import { positiveInt } from "../parse-int-option.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { copyToHostsOf } from "../lab/copy-to-hosts-of.ts";
import { crossHostTarget, type CrossHostTarget } from "../lab/hosts-target.ts";
import type { ServiceStatus } from "../lab/read-lab-status.ts";
import { requireRunningAcross } from "../lab/require-running-across.ts";
import { tracedLabOf } from "../lab/traced-lab-of.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

// The helpers' image (python3 and tcpdump): the workbench's, as `socklab up` builds it.
const TRACE_HELPER_IMAGE = "socklab/workbench:latest";

interface TraceCommandOptions {
  seconds?: number;
  json?: boolean;
  svg?: string;
  port?: number;
  peer?: string;
  inferred?: boolean;
}

// Events come from the kernel and from each capture separately: a row is printed once every
// source has had this long to deliver what happened before it.
const SETTLE_MS = 500;
const PRINT_EVERY_MS = 200;

/** `socklab trace`: a live ladder of the lab's TCP, both ends' states and the packets between them. */
export function registerTraceCommand(program: Command): void {
  program
    .command("trace")
    .description("a live ladder of TCP in the lab: each end's state changes and every packet, on one clock")
    .argument("[service...]", "whose namespaces to record (default: every running lab container)")
    .addOption(
      new Option("--seconds <n>", "stop after this many seconds (default: at Ctrl-C)").argParser(positiveInt),
    )
    .option("--json", "print one JSON object per event (JSON lines) instead of the ladder")
    .option("--svg <file>", "write the ladder as SVG to this file when the recording stops")
    .addOption(
      new Option("--port <port>", "only connections with this port at either end").argParser(positiveInt),
    )
    .option("--peer <service-or-address>", "only connections with this peer")
    .option("--inferred", "infer states from packets instead of reading the kernel's tracepoints")
    .addHelpText(
      "after",
      `
States come from the kernel's tracepoints (sock:inet_sock_set_state, tcp:tcp_send_reset,
tcp:tcp_receive_reset, tcp:tcp_retransmit_skb), read through tracefs by a privileged helper
container that socklab starts and removes; packets from tcpdump in each service's namespace.
Where tracefs is out of reach, states are inferred from the packets and marked with "?".
For a lab across hosts (--hosts-file), each end is recorded on the host that holds it.
Examples:
  socklab trace tcp-echo workbench            (then, elsewhere: socklab shell; echo hi | nc -q1 tcp-echo 7)
  socklab trace tcp-echo workbench --port 7 --seconds 10 --svg echo.svg
  socklab trace chat --json
Exit codes: 0 ok, 5 the lab is not running or a named service is not in it.`,
    )
    .action(async (services: string[], options: TraceCommandOptions) => {
      if (insideWorkbench()) {
        process.stderr.write("socklab trace: run it on the host, where the lab's containers are\n");
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runTrace(services, options);
    });
}

async function runTrace(services: readonly string[], options: TraceCommandOptions): Promise<number> {
  const hosts = await crossHostTarget();
  const { lab, traced, helperImage } = hosts
    ? await tracedAcross(hosts, services)
    : await tracedHere(services);
  const trace = await startTrace(lab, {
    services: traced.map((s) => s.service),
    ...(helperImage !== undefined ? { helperImage } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.peer !== undefined ? { peer: options.peer } : {}),
    states: options.inferred ? "inferred" : "auto",
  });
  const stop = stopSignal(options.seconds);
  try {
    const first = trace.timeline();
    announce(first, options);
    const printer = livePrinter(options);
    while (!(await stop.after(PRINT_EVERY_MS))) printer.print(trace.timeline(), Date.now() - SETTLE_MS);
    const timeline = await trace.stop();
    printer.print(timeline, Number.POSITIVE_INFINITY);
    if (!options.json && timeline.inferredBecause) process.stdout.write(`\n${footnoteOf(timeline)}\n`);
    await reportEnd(trace, timeline, options);
    return EXIT.ok;
  } finally {
    stop.dispose();
    await trace.stop();
  }
}

interface TraceTarget {
  lab: TracedLab;
  traced: ServiceStatus[];
  /** The helpers' image where it is not the default. */
  helperImage?: string;
}

async function tracedHere(services: readonly string[]): Promise<TraceTarget> {
  const running = await requireRunningLab(services);
  const traced = services.length > 0 ? running.filter((s) => services.includes(s.service)) : running;
  const lab = tracedLabOf(
    running,
    traced.map((s) => s.service),
  );
  return { lab, traced };
}

// Across hosts each end is read on its own engine, and the helpers (the workbench's image, built
// on this machine's engine) run beside the ends they serve: the image goes to their hosts first.
async function tracedAcross(hosts: CrossHostTarget, services: readonly string[]): Promise<TraceTarget> {
  const { running, containerOf } = await requireRunningAcross(hosts, services);
  const traced = services.length > 0 ? running.filter((s) => services.includes(s.service)) : running;
  await copyToHostsOf(hosts, traced, [TRACE_HELPER_IMAGE]);
  const lab: TracedLab = {
    projectName: hosts.projectName,
    networkName: `${hosts.projectName}_labnet`,
    container: (service) => {
      const status = running.find((s) => s.service === service);
      const found = status ? containerOf(status) : undefined;
      if (!found)
        throw new SocklabError(
          "ERR_LAB_CONTAINER",
          `the lab runs no ${service} on the hosts of ${hosts.file}`,
        );
      return { name: service, id: found.id, host: found.host };
    },
  };
  return { lab, traced, helperImage: TRACE_HELPER_IMAGE };
}

function announce(timeline: Timeline, options: TraceCommandOptions): void {
  const ends = timeline.ends.map((end) => `${end.service} (${end.address})`).join(", ");
  const source =
    timeline.statesSource === "kernel"
      ? "states from the kernel"
      : `states INFERRED from packets: ${timeline.inferredBecause ?? ""}`;
  const until = options.seconds ? `for ${options.seconds} s` : "until Ctrl-C";
  process.stderr.write(`socklab trace: recording ${ends}, ${source}; ${until}\n`);
}

function footnoteOf(timeline: Timeline): string {
  return `states marked ? are inferred from packets: ${timeline.inferredBecause ?? ""}`;
}

async function reportEnd(
  trace: TraceRecorder,
  timeline: Timeline,
  options: TraceCommandOptions,
): Promise<void> {
  const losses = trace.losses();
  if (losses.kernelEvents > 0 || losses.packets > 0) {
    process.stderr.write(
      `socklab trace: lost ${losses.kernelEvents} kernel events and ${losses.packets} packets (buffers overran)\n`,
    );
  }
  if (options.svg) {
    await writeFile(options.svg, renderLadderSvg(timeline));
    process.stderr.write(`socklab trace: wrote the ladder to ${options.svg}\n`);
  }
}

/** Prints the rows of events older than a watermark, each once, as ladder text or JSON lines. */
function livePrinter(options: TraceCommandOptions): { print(timeline: Timeline, untilMs: number): void } {
  let printed = 0;
  let headerShown = false;
  return {
    print(timeline, untilMs) {
      const startedMs = Date.parse(timeline.startedAt);
      const ready = timeline.events.filter(
        (event, index) => index >= printed && startedMs + event.atNs / 1e6 < untilMs,
      );
      // Only a run of ready events from where printing stopped: later ones wait for their turn.
      const run = takeRun(timeline.events, printed, ready);
      if (run.length === 0 && headerShown) return;
      printed += run.length;
      if (options.json) {
        for (const event of run) process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      const lines = renderLadderText({ ...timeline, inferredBecause: "", events: run }).split("\n");
      const body = lines.slice(1).filter((line) => line !== "" && !line.startsWith("states marked"));
      process.stdout.write([...(headerShown ? [] : [lines[0] ?? ""]), ...body].map((l) => `${l}\n`).join(""));
      headerShown = true;
    },
  };
}

function takeRun(events: readonly TraceEvent[], from: number, ready: readonly TraceEvent[]): TraceEvent[] {
  const readySet = new Set(ready);
  const run: TraceEvent[] = [];
  for (let i = from; i < events.length && readySet.has(events[i] as TraceEvent); i++)
    run.push(events[i] as TraceEvent);
  return run;
}

/** Resolves `after(ms)` with true once Ctrl-C was pressed or the seconds are up. */
function stopSignal(seconds: number | undefined): { after(ms: number): Promise<boolean>; dispose(): void } {
  let stopped = false;
  const onSignal = () => (stopped = true);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const deadline = seconds === undefined ? Number.POSITIVE_INFINITY : performance.now() + seconds * 1000;
  return {
    async after(ms) {
      await delay(ms);
      return stopped || performance.now() >= deadline;
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
