import type { Lab } from "../../labkit/lab/start-lab.ts";
import { startHelper } from "../docker/start-helper.ts";
import type { TcpThroughputResult } from "../probes/tcp-throughput-probe.ts";
import { runProbe, type ProbeName } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";

const { throughput, ports } = BENCH_SETTINGS;
const GB = 1e9;

/**
 * tcp-echo's throughput each way with 64 KiB writes, next to iperf3 (one stream, one way) and socat
 * `PIPE` (an echo, measured by the same Node client; a Python client's figures are in the note). Both references run in a helper sharing
 * tcp-echo's network namespace, so the packets take the very same path.
 */
export async function measureTcpThroughput(lab: Lab): Promise<BenchRow[]> {
  const echo = await echoThroughput(lab, 7, "tcp-throughput-probe.ts");
  const echoPython = await echoThroughput(lab, 7, "throughput_probe.py");
  const iperf3BytesPerSecond = await measureIperf3(lab, false);
  const iperf3BidirBytesPerSecond = await measureIperf3(lab, true);
  const [socat, socatPython] = await measureSocat(lab);
  const group = "TCP echo";
  const measurement = "throughput each way, 64 KiB writes, 1 connection";
  return [
    {
      group,
      measurement: `${measurement}, vs iperf3 (1 stream, one way)`,
      unit: "GB/s",
      value: echo.receivedBytesPerSecond / GB,
      reference: { tool: "iperf3", value: iperf3BytesPerSecond / GB },
      target: { kind: "ratio-at-least", bound: 0.5 },
      note: `Node client: sent ${gb(echo.sentBytesPerSecond)} GB/s, echoed back ${gb(echo.receivedBytesPerSecond)} GB/s over ${(throughput.durationMs / 1000).toFixed(0)} s; a threaded Python client (one writer, one reader): ${gb(echoPython.receivedBytesPerSecond)} GB/s from tcp-echo, ${gb(socatPython.receivedBytesPerSecond)} GB/s from socat`,
    },
    {
      group,
      // The kernel's work of an echo with no user-space cost to speak of: each iperf3 process (one
      // thread each in Debian's 3.12) reads one stream and writes the other, as an echo server does.
      measurement: `${measurement}, vs iperf3 --bidir (1 stream each way, the slower way)`,
      unit: "GB/s",
      value: echo.receivedBytesPerSecond / GB,
      reference: { tool: "iperf3 --bidir", value: iperf3BidirBytesPerSecond / GB },
    },
    {
      group,
      measurement: `${measurement}, vs socat PIPE echo`,
      unit: "GB/s",
      value: echo.receivedBytesPerSecond / GB,
      reference: { tool: "socat PIPE", value: socat.receivedBytesPerSecond / GB },
      target: { kind: "ratio-at-least", bound: 3 },
    },
  ];
}

interface IperfEnd {
  end: {
    sum_received: { bits_per_second: number };
    sum_received_bidir_reverse?: { bits_per_second: number };
  };
}

const gb = (bytesPerSecond: number) => (bytesPerSecond / GB).toFixed(3);

function echoThroughput(lab: Lab, port: number, probe: ProbeName): Promise<TcpThroughputResult> {
  return runProbe<TcpThroughputResult>(lab, probe, {
    host: "tcp-echo",
    port,
    ...throughput,
  });
}

/** Bytes per second one way; with `bidir`, of the slower of the two ways. */
async function measureIperf3(lab: Lab, bidir: boolean): Promise<number> {
  await using _server = await startHelper(lab, {
    network: `container:${lab.containerId("tcp-echo")}`,
    command: ["iperf3", "--server", "--one-off", "--port", String(ports.iperf3)],
    readyPort: { protocol: "tcp", port: ports.iperf3 },
  });
  const seconds = String(throughput.durationMs / 1000);
  const omitSeconds = String(throughput.warmupMs / 1000);
  const output = await lab.sh(
    "workbench",
    `iperf3 --client tcp-echo --port ${ports.iperf3} --time ${seconds} --omit ${omitSeconds} --json${bidir ? " --bidir" : ""}`,
  );
  const { end } = JSON.parse(output) as IperfEnd;
  const reverse = end.sum_received_bidir_reverse?.bits_per_second;
  const forward = end.sum_received.bits_per_second;
  return (bidir && reverse !== undefined ? Math.min(forward, reverse) : forward) / 8;
}

async function measureSocat(lab: Lab): Promise<[TcpThroughputResult, TcpThroughputResult]> {
  await using _server = await startHelper(lab, {
    network: `container:${lab.containerId("tcp-echo")}`,
    // socat's default 8 KiB write into its own pipe blocks when less is free, and only socat reads
    // that pipe: it stalled for good in about one run in three. One page per write never blocks there.
    command: ["socat", "-b", "4096", `TCP-LISTEN:${ports.socat},reuseaddr,fork`, "PIPE"],
    readyPort: { protocol: "tcp", port: ports.socat },
  });
  const node = await echoThroughput(lab, ports.socat, "tcp-throughput-probe.ts");
  return [node, await echoThroughput(lab, ports.socat, "throughput_probe.py")];
}
