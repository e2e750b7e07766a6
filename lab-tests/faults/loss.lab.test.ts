import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultDirection } from "../../labkit/fault/fault-spec.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { readSnmpCounter } from "./read-snmp-counter.ts";
import type { UdpProbeOptions, UdpProbeReport } from "./udp-probes.ts";

// Loss of p% drops about p% of the datagrams, counted at both ends: the workbench counts what it
// sent and what came back, udp-echo's kernel counts what it received (Udp InDatagrams).
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ services: ["udp-echo", "workbench"] });
});

afterAll(async () => {
  await lab.down();
});

const PROBE_SOURCE = readFileSync(path.join(import.meta.dirname, "udp-probes.ts"), "utf8");
const PROBES: UdpProbeOptions = { host: "udp-echo", port: 7, count: 1000, batch: 50, batchWaitMs: 200 };
const LOSS_PERCENT = 30;
// 1000 probes at 30%: one standard deviation is 1.45 points; 6 points is more than four of them.
const TOLERANCE_POINTS = 6;

interface Counted {
  sent: number;
  /** Received by udp-echo's kernel while the probes ran (its healthcheck adds a few on loopback). */
  receivedByServer: number;
  echoed: number;
}

async function probe(): Promise<Counted> {
  const before = await readSnmpCounter(lab, "udp-echo", "snmp", "Udp", "InDatagrams");
  const args = ["node", "--input-type=module-typescript", "-e", PROBE_SOURCE, JSON.stringify(PROBES)];
  const run = await lab.exec("workbench", args);
  if (run.exitCode !== 0) throw new Error(`the probes failed: ${run.stderr}`);
  const report = JSON.parse(run.stdout.trim()) as UdpProbeReport;
  const after = await readSnmpCounter(lab, "udp-echo", "snmp", "Udp", "InDatagrams");
  return { sent: report.sent, receivedByServer: after - before, echoed: report.echoed };
}

const lostPercent = (of: number, kept: number) => (100 * (of - kept)) / of;

// What each direction should lose: on the way in (seen at the server), and end to end.
const EXPECTED: Record<FaultDirection, { inbound: number; endToEnd: number }> = {
  in: { inbound: LOSS_PERCENT, endToEnd: LOSS_PERCENT },
  out: { inbound: 0, endToEnd: LOSS_PERCENT },
  both: { inbound: LOSS_PERCENT, endToEnd: 100 - (100 - LOSS_PERCENT) ** 2 / 100 },
};

describe("loss", () => {
  it.each(["in", "out", "both"] as const)(
    `drops about ${LOSS_PERCENT}% of udp-echo's datagrams, direction %s, counted at both ends`,
    async (direction) => {
      let counted: Counted;
      {
        await using fault = await lab.fault({
          kind: "loss",
          service: "udp-echo",
          percent: LOSS_PERCENT,
          direction,
          port: 7,
          seconds: 120,
        });
        expect(fault.description).toBe(`loss ${LOSS_PERCENT}% ${direction}, port 7`);
        counted = await probe();
      }
      const inbound = lostPercent(counted.sent, counted.receivedByServer);
      const endToEnd = lostPercent(counted.sent, counted.echoed);
      console.log(
        `loss ${direction}: ${JSON.stringify(counted)}, lost in ${inbound.toFixed(1)}%, end to end ${endToEnd.toFixed(1)}%`,
      );
      expect(counted.sent).toBe(PROBES.count);
      expect(
        Math.abs(inbound - EXPECTED[direction].inbound),
        `lost on the way in: ${inbound}%`,
      ).toBeLessThanOrEqual(TOLERANCE_POINTS);
      expect(
        Math.abs(endToEnd - EXPECTED[direction].endToEnd),
        `lost end to end: ${endToEnd}%`,
      ).toBeLessThanOrEqual(TOLERANCE_POINTS);
      // Cleared: every datagram comes back again.
      const after = await probe();
      expect(after.echoed, "echoes after the fault was cleared").toBe(after.sent);
    },
  );
});
