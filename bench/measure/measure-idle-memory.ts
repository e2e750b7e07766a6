import { setTimeout as delay } from "node:timers/promises";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import type { HoldResult } from "../probes/tcp-hold-probe.ts";
import { runProbe } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";
import { findServicePid } from "./find-service-pid.ts";

const { idleMemory } = BENCH_SETTINGS;
const OPEN_TIMEOUT_MS = 60_000;

interface ServerMemory {
  rssBytes: number;
  openFds: number;
  /** The container's cgroup charge (kernel socket memory included), 0 where it cannot be read. */
  cgroupBytes: number;
}

/**
 * Server memory per idle connection: tcp-echo's RSS before and while the workbench holds 10,000
 * connections open (compose.bench.yml raises its connection and file limits for this).
 */
export async function measureIdleMemory(lab: Lab): Promise<BenchRow[]> {
  const pid = await findServicePid(lab, "tcp-echo");
  const before = await readSteadyMemory(lab, pid);
  const holding = runProbe<HoldResult>(lab, "tcp-hold-probe.ts", {
    host: "tcp-echo",
    port: 7,
    ...idleMemory,
  });
  // If the probe fails early, the wait below must not hide its error.
  holding.catch(() => undefined);
  await waitFor(
    async () =>
      (await readServerMemory(lab, pid)).openFds >= before.openFds + idleMemory.connections
        ? true
        : undefined,
    {
      timeoutMs: OPEN_TIMEOUT_MS,
      pollMs: 500,
      what: `tcp-echo to hold ${idleMemory.connections} connections`,
    },
  ).catch(async (error: unknown) => {
    await holding;
    throw error;
  });
  // Let the accept burst's garbage be collected before reading the steady state.
  await delay(idleMemory.settleMs);
  const during = await readSteadyMemory(lab, pid);
  const held = await holding;
  const rssPerConnection = (during.rssBytes - before.rssBytes) / held.held;
  const cgroupPerConnection = (during.cgroupBytes - before.cgroupBytes) / held.held;
  return [
    {
      group: "TCP echo",
      measurement: `server memory per idle connection (RSS), ${held.held.toLocaleString("en-US")} held`,
      unit: "B",
      value: rssPerConnection,
      target: { kind: "value-at-most", bound: 4096 },
      note: `tcp-echo RSS ${mib(before.rssBytes)} MiB idle, ${mib(during.rssBytes)} MiB with ${held.held} connections (${held.failures} failed to open, opened in ${(held.openingMs / 1000).toFixed(1)} s); the container's cgroup (kernel socket memory included) grew ${cgroupPerConnection.toFixed(0)} B per connection`,
    },
  ];
}

const SAMPLES = 3;
const SAMPLE_GAP_MS = 1_000;

// The median of a few readings: one reading may fall just before or after a garbage collection.
async function readSteadyMemory(lab: Lab, pid: string): Promise<ServerMemory> {
  const samples: ServerMemory[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    if (i > 0) await delay(SAMPLE_GAP_MS);
    samples.push(await readServerMemory(lab, pid));
  }
  const median = (pick: (m: ServerMemory) => number) =>
    samples.map(pick).toSorted((a, b) => a - b)[Math.floor(SAMPLES / 2)] ?? 0;
  return {
    rssBytes: median((m) => m.rssBytes),
    openFds: median((m) => m.openFds),
    cgroupBytes: median((m) => m.cgroupBytes),
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function readServerMemory(lab: Lab, pid: string): Promise<ServerMemory> {
  const script = `sed -n 's/^VmRSS:[^0-9]*\\([0-9]*\\).*/\\1/p' /proc/${pid}/status; ls /proc/${pid}/fd | wc -l; cat /sys/fs/cgroup/memory.current 2>/dev/null || cat /sys/fs/cgroup/memory/memory.usage_in_bytes 2>/dev/null || echo 0`;
  const [rssKiB = "0", openFds = "0", cgroupBytes = "0"] = (await lab.sh("tcp-echo", script))
    .trim()
    .split("\n");
  return { rssBytes: Number(rssKiB) * 1024, openFds: Number(openFds), cgroupBytes: Number(cgroupBytes) };
}
