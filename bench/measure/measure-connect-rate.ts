import type { Lab } from "../../labkit/lab/start-lab.ts";
import type { ConnectRateResult } from "../probes/tcp-connect-rate-probe.ts";
import { runProbe } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";

const { connectRate } = BENCH_SETTINGS;

/** Connections per second to tcp-echo, one after another: connect, one 1-byte echo, close. */
export async function measureConnectRate(lab: Lab): Promise<BenchRow[]> {
  const result = await runProbe<ConnectRateResult>(lab, "tcp-connect-rate-probe.ts", {
    host: "tcp-echo",
    port: 7,
    ...connectRate,
  });
  const capped = result.connections + result.failures >= connectRate.maxConnections;
  return [
    {
      group: "TCP echo",
      measurement: "connections per second (connect, one echo, close), one at a time",
      unit: "conn/s",
      value: result.connectionsPerSecond,
      note: `${result.connections} connections, ${result.failures} failed, in ${(result.durationMs / 1000).toFixed(1)} s${capped ? ` (stopped at the cap of ${connectRate.maxConnections}: the client's ephemeral ports)` : ""}`,
    },
  ];
}
