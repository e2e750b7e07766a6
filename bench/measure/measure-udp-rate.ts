import type { Lab } from "../../labkit/lab/start-lab.ts";
import type { UdpRateResult } from "../probes/udp-rate-probe.ts";
import { runProbe } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";
import { readUdpDrops } from "./read-udp-drops.ts";

const { udpRate } = BENCH_SETTINGS;

/** The highest rate at which udp-echo returns every datagram over 5 s, found by doubling, then bisecting. */
export async function measureUdpRate(lab: Lab): Promise<BenchRow[]> {
  const before = {
    server: await readUdpDrops(lab, "udp-echo"),
    client: await readUdpDrops(lab, "workbench"),
  };
  const result = await runProbe<UdpRateResult>(lab, "udp-rate-probe.ts", {
    host: "udp-echo",
    port: 7,
    ...udpRate,
  });
  const serverDrops = (await readUdpDrops(lab, "udp-echo")) - before.server;
  const clientDrops = (await readUdpDrops(lab, "workbench")) - before.client;
  const trials = result.trials
    .map((t) => `${t.ratePerSecond}/s: ${t.sent - t.received} of ${t.sent} lost`)
    .join(", ");
  const bound = result.clientBound
    ? " The last trial was bound by the Node client, which could not send faster."
    : "";
  return [
    {
      group: "UDP echo",
      measurement: `highest rate with zero loss over ${udpRate.trialMs / 1000} s, ${udpRate.datagramBytes}-byte datagrams`,
      unit: "datagrams/s",
      value: result.zeroLossRatePerSecond,
      note: `trials: ${trials}. Dropped for a full receive buffer over all trials: ${serverDrops} at udp-echo, ${clientDrops} at the client.${bound}`,
    },
  ];
}
