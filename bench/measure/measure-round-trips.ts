import type { Lab } from "../../labkit/lab/start-lab.ts";
import { startHelper } from "../docker/start-helper.ts";
import type { RoundTripResult } from "../probes/tcp-round-trip-probe.ts";
import { runProbe, type ProbeName } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";
import { parseSockperf, type SockperfLatency } from "./parse-sockperf.ts";
import { resolveInWorkbench } from "./resolve-in-workbench.ts";

const { roundTrip, ports } = BENCH_SETTINGS;

type Transport = "tcp" | "udp";

interface TransportSpec {
  service: string;
  group: string;
  nodeProbe: ProbeName;
  /** How the reference servers are started in the service's namespace. */
  sockperfFlags: readonly string[];
  /** socat as an echo server: a C event loop, to tell the path's cost from Node's. */
  socatListen: string;
  /** Issue 18's bound on p50 against sockperf. */
  sockperfBound: number;
}

const SPEC_BY_TRANSPORT: Record<Transport, TransportSpec> = {
  tcp: {
    service: "tcp-echo",
    group: "TCP echo",
    nodeProbe: "tcp-round-trip-probe.ts",
    sockperfFlags: ["--tcp"],
    socatListen: `TCP-LISTEN:${ports.socat},reuseaddr,fork`,
    sockperfBound: 1.4,
  },
  udp: {
    service: "udp-echo",
    group: "UDP echo",
    nodeProbe: "udp-round-trip-probe.ts",
    sockperfFlags: [],
    // No fork: socat answers the first peer's datagrams in one process (a fork per datagram would
    // time the fork); the probe sends every datagram from one socket.
    socatListen: `UDP-LISTEN:${ports.socat},reuseaddr`,
    sockperfBound: 1.3,
  },
};

/**
 * 1-byte round trips to tcp-echo or udp-echo, one at a time, next to `sockperf ping-pong` against a
 * sockperf server sharing the service's network namespace (the same path). The figure is taken with
 * a blocking Python client, as lean as sockperf's own; a Node client's figure is in the note.
 */
export async function measureRoundTrips(lab: Lab, transport: Transport): Promise<BenchRow[]> {
  const spec = SPEC_BY_TRANSPORT[transport];
  const target = { host: spec.service, port: 7, transport, ...roundTrip };
  const lean = await runProbe<RoundTripResult>(lab, "round_trip_probe.py", target);
  const node = await runProbe<RoundTripResult>(lab, spec.nodeProbe, target);
  const sockperf = await measureSockperf(lab, spec);
  const socat = await measureSocatRoundTrip(lab, spec, transport);
  const name = transport.toUpperCase();
  const socatRow: BenchRow[] =
    transport === "udp"
      ? [
          {
            group: spec.group,
            measurement: `1-byte round trip p50 (blocking client), vs socat UDP echo (PIPE)`,
            unit: "µs",
            value: lean.p50Us,
            reference: { tool: "socat", value: socat.p50Us },
            target: { kind: "ratio-at-most", bound: 1 },
          },
        ]
      : [];
  return [
    {
      group: spec.group,
      measurement: `1-byte round trip p50 (blocking client), vs sockperf ping-pong ${name}`,
      unit: "µs",
      value: lean.p50Us,
      reference: { tool: "sockperf", value: sockperf.p50Us },
      target: { kind: "ratio-at-most", bound: spec.sockperfBound },
      note: roundTripNote(lean, node, sockperf, socat),
    },
    ...socatRow,
    {
      group: spec.group,
      measurement: `1-byte round trip p99 (blocking client), vs sockperf ping-pong ${name}`,
      unit: "µs",
      value: lean.p99Us,
      reference: { tool: "sockperf", value: sockperf.p99Us },
    },
  ];
}

function roundTripNote(
  lean: RoundTripResult,
  node: RoundTripResult,
  sockperf: SockperfLatency,
  socat: RoundTripResult,
): string {
  const lostCount = lean.lost + node.lost + socat.lost;
  const lost = lostCount > 0 ? `, ${lostCount} datagrams lost` : "";
  const socatText = `; the same blocking client against socat PIPE on the same path: p50 ${socat.p50Us.toFixed(1)} µs, p99 ${socat.p99Us.toFixed(1)} µs`;
  return `${lean.count} round trips after ${roundTrip.warmupCount} warm-up ones${lost}; with a Node client instead: p50 ${node.p50Us.toFixed(1)} µs, p99 ${node.p99Us.toFixed(1)} µs; sockperf's mean ${sockperf.meanUs.toFixed(1)} µs (its one-way latency doubled)${socatText}`;
}

async function measureSockperf(lab: Lab, spec: TransportSpec): Promise<SockperfLatency> {
  const transport = spec.sockperfFlags.includes("--tcp") ? "tcp" : "udp";
  await using _server = await startHelper(lab, {
    network: `container:${lab.containerId(spec.service)}`,
    command: ["sockperf", "server", ...spec.sockperfFlags, "-i", "0.0.0.0", "-p", String(ports.sockperf)],
    readyPort: { protocol: transport, port: ports.sockperf },
  });
  const address = await resolveInWorkbench(lab, spec.service);
  const seconds = String(roundTrip.durationMs / 1000);
  const flags = spec.sockperfFlags.join(" ");
  const output = await lab.sh(
    "workbench",
    `sockperf ping-pong ${flags} -i ${address} -p ${ports.sockperf} -t ${seconds} 2>&1`,
  );
  return parseSockperf(output);
}

// A C echo server with an event loop (socat) on the same path, to tell the path's cost from Node's.
async function measureSocatRoundTrip(
  lab: Lab,
  spec: TransportSpec,
  transport: Transport,
): Promise<RoundTripResult> {
  await using _server = await startHelper(lab, {
    network: `container:${lab.containerId(spec.service)}`,
    command: ["socat", spec.socatListen, "PIPE"],
    readyPort: { protocol: transport, port: ports.socat },
  });
  return await runProbe<RoundTripResult>(lab, "round_trip_probe.py", {
    host: spec.service,
    port: ports.socat,
    transport,
    ...roundTrip,
  });
}
