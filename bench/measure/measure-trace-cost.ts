import type { Lab } from "../../labkit/lab/start-lab.ts";
import { startTrace, type TraceOptions } from "../../labkit/trace/start-trace.ts";
import type { RoundTripResult } from "../probes/tcp-round-trip-probe.ts";
import { runProbe } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";

const GROUP = "Tracing";
const TARGET = { host: "tcp-echo", port: 7, transport: "tcp", ...BENCH_SETTINGS.roundTrip } as const;

interface TracedRun {
  result: RoundTripResult;
  packetEvents: number;
  lost: { kernelEvents: number; packets: number };
}

/** The blocking client's 1-byte round trips to tcp-echo while `options` records both ends. */
async function roundTripsTraced(lab: Lab, options: Omit<TraceOptions, "services">): Promise<TracedRun> {
  const trace = await startTrace(lab, { services: ["workbench", "tcp-echo"], port: 7, ...options });
  try {
    const result = await runProbe<RoundTripResult>(lab, "round_trip_probe.py", TARGET);
    const timeline = await trace.stop();
    const packetEvents = timeline.events.filter((e) => e.kind === "packet").length;
    return { result, packetEvents, lost: trace.losses() };
  } finally {
    await trace.stop();
  }
}

/**
 * The cost of `socklab trace` to the echo: 1-byte round trips with no trace, with the kernel's
 * tracepoints only, and with tracepoints and both ends' captures, one after another in the same
 * lab; the untraced run is taken before and after, and its better p50 is the reference.
 */
export async function measureTraceCost(lab: Lab): Promise<BenchRow[]> {
  const before = await runProbe<RoundTripResult>(lab, "round_trip_probe.py", TARGET);
  const statesOnly = await roundTripsTraced(lab, { packets: false });
  const full = await roundTripsTraced(lab, {});
  const after = await runProbe<RoundTripResult>(lab, "round_trip_probe.py", TARGET);
  const untraced = before.p50Us <= after.p50Us ? before : after;
  const untracedNote = `untraced before: p50 ${before.p50Us.toFixed(1)} µs, p99 ${before.p99Us.toFixed(1)} µs; after: p50 ${after.p50Us.toFixed(1)} µs, p99 ${after.p99Us.toFixed(1)} µs`;
  const row = (name: string, run: TracedRun, p: "p50Us" | "p99Us"): BenchRow => ({
    group: GROUP,
    measurement: `TCP echo 1-byte round trip ${p === "p50Us" ? "p50" : "p99"}, ${name}, vs untraced`,
    unit: "µs",
    value: run.result[p],
    reference: { tool: "no trace", value: untraced[p] },
    note: `${run.result.count} round trips, ${run.packetEvents} packet events recorded (4 per round trip expected), lost ${run.lost.kernelEvents} kernel events and ${run.lost.packets} packets; ${untracedNote}`,
  });
  return [
    row("traced (kernel states only)", statesOnly, "p50Us"),
    row("traced (states and both ends' packets)", full, "p50Us"),
    row("traced (states and both ends' packets)", full, "p99Us"),
  ];
}
