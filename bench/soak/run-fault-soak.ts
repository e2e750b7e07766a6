// `npm run soak -- --faults [--seed S]`: the soak's mixed load, every client retrying as a real one
// should, while a seeded schedule of faults strikes the services one after another. Prints the
// schedule (and its seed) first; passes when nothing acknowledged was lost, nothing hung, every
// fault struck, memory held its floor, no restart but the scheduled kills, and no CLOSE_WAIT was
// left. Writes bench/results/fault-soak-<date>.json and its section of docs/benchmarks.md.
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { clearFaults } from "../../labkit/fault/clear-faults.ts";
import { COMPOSE_FILE_NAME, REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startSimulatedHosts } from "../../labkit/hosts/simulated-hosts.ts";
import { startCrossHostLab, type CrossHostLab } from "../../labkit/hosts/start-cross-host-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { readContainerTable } from "../../labkit/socket-table/wait-for-socket.ts";
import { runDocker } from "../docker/run-docker.ts";
import { findServicePid, readRssBytes } from "../measure/find-service-pid.ts";
import type { FaultSoakOptions, FaultSoakProbeResult } from "../probes/fault-soak-probe.ts";
import { parseProbeOutput, probeCommand } from "../probes/run-probe.ts";
import { readMachineInfo } from "../report/read-machine-info.ts";
import type { SoakSample } from "../report/format-soak-markdown.ts";
import { writeResults } from "../report/write-report.ts";
import { buildFaultSchedule, CROSS_HOST_KINDS, formatSchedule } from "./fault-schedule.ts";
import {
  faultSoakVerdict,
  formatFaultSoakMarkdown,
  type FaultSoakReport,
} from "./format-fault-soak-markdown.ts";
import { runFaultSchedule, serviceContainer, type FaultTargets } from "./run-fault-schedule.ts";
import { startSoakLab } from "./start-soak-lab.ts";

const SERVICES = ["tcp-echo", "udp-echo", "file-transfer", "chat"] as const;
const SAMPLE_EVERY_MS = 15_000;
const CLOSE_WAIT_SETTLE_MS = 15_000;
const SWARM_RECOVERY_TIMEOUT_MS = 120_000;
/** The ledgers the probe runs in the workbench, sent with it as source text. */
const LEDGER_FILES = ["chat-ledger.ts", "file-ledger.ts"] as const;

/** Across hosts (--hosts): the workbench on one simulated host, every service on the other. */
const CLIENT_HOST = "h1";
const SERVICES_HOST = "h2";
const CROSS_HOST_PLACEMENT = {
  workbench: CLIENT_HOST,
  ...Object.fromEntries(SERVICES.map((service) => [service, SERVICES_HOST])),
};
const CROSS_HOST_SETUP = `two simulated hosts: the workbench on ${CLIENT_HOST}, every service on ${SERVICES_HOST}, joined by a swarm overlay`;

export interface FaultSoakArguments {
  minutes: number;
  seed: number | undefined;
  /** Across two simulated hosts, the underlay between them partitioned. */
  hosts: boolean;
  log: (message: string) => void;
}

// The quiet soak's load, a little lighter on files (every put is read back and listed against the
// ledger), with each client's deadlines: an attempt's own bound, and the operation's with its retries.
function probeOptions(durationMs: number): FaultSoakOptions {
  const modules = Object.fromEntries(
    LEDGER_FILES.map((file) => [file, readFileSync(path.join(import.meta.dirname, file), "utf8")]),
  );
  return {
    durationMs,
    progressMs: 60_000,
    tcp: { workers: 4, maxBytes: 256 * 1024, pauseMs: 20, attemptMs: 10_000, operationMs: 45_000 },
    udp: { workers: 2, maxBytes: 1472, pauseMs: 10, attemptMs: 1_000, operationMs: 45_000 },
    files: {
      workers: 2,
      maxBytes: 4 * 1024 * 1024,
      pauseMs: 100,
      namesPerWorker: 5,
      listEveryMs: 1_000,
      attemptMs: 60_000,
      operationMs: 180_000,
    },
    chat: { members: 20, intervalMs: 1_000, settleMs: 60_000, ackStallMs: 30_000, connectTimeoutMs: 10_000 },
    hangGraceMs: 15_000,
    maxOpsPerWorker: 1_000_000,
    modules,
  };
}

export async function runFaultSoak(args: FaultSoakArguments): Promise<number> {
  const { minutes, log } = args;
  const seed = args.seed ?? randomInt(0, 2 ** 32 - 1);
  const durationMs = minutes * 60_000;
  const schedule = buildFaultSchedule({
    seed,
    durationMs,
    services: SERVICES,
    ...(args.hosts ? { kinds: CROSS_HOST_KINDS, servicesHost: SERVICES_HOST } : {}),
  });
  const replayFlags = args.hosts ? "--faults --hosts" : "--faults";
  process.stdout.write(`${formatSchedule(seed, schedule, replayFlags)}\n`);
  const startedAt = new Date().toISOString();
  log(`building the lab's images (${COMPOSE_FILE_NAME})`);
  await runDocker(["compose", "-f", COMPOSE_FILE_NAME, "build", "--quiet"], { cwd: REPO_ROOT });
  return withLab(args.hosts, async (targets) => {
    const { lab } = targets;
    log(
      `lab ${lab.projectName} up; ${minutes} min of mixed load with ${schedule.length} faults, seed ${seed}`,
    );
    const machine = await readMachineInfo(lab);
    const sampler = new Sampler(lab);
    const samples: SoakSample[] = [await sampler.sample(0)];
    const loadStartMs = performance.now();
    const probe = lab
      .exec("workbench", probeCommand("fault-soak-probe.ts", probeOptions(durationMs)))
      .then((result) => parseProbeOutput("fault-soak-probe.ts", result) as FaultSoakProbeResult);
    const struckPromise = runFaultSchedule(targets, schedule, loadStartMs, log);
    const done = { value: false };
    void probe.finally(() => (done.value = true)).catch(() => undefined);
    while (!done.value) {
      await Promise.race([delay(SAMPLE_EVERY_MS), probe.catch(() => undefined)]);
      samples.push(await sampler.sample(performance.now() - loadStartMs));
    }
    const struck = await struckPromise;
    const load = await probe;
    const closeWaits = await settledCloseWaits(lab);
    const report: FaultSoakReport = {
      startedAt,
      minutes,
      seed,
      ...(args.hosts ? { hosts: CROSS_HOST_SETUP } : {}),
      machine,
      schedule,
      struck,
      load,
      samples,
      closeWaits,
    };
    const markdown = formatFaultSoakMarkdown(report);
    await writeResults(
      report,
      markdown,
      startedAt,
      resultsPaths(),
      args.hosts ? "cross-host-fault-soak" : "fault-soak",
    );
    process.stdout.write(`\n${markdown}\n`);
    const failures = faultSoakVerdict(report);
    for (const failure of failures) log(`FAILED: ${failure}`);
    log(`seed ${seed}: ${failures.length === 0 ? "passed" : "failed"}`);
    return failures.length === 0 ? 0 : 1;
  });
}

// The lab for the run, torn down (with the simulated hosts) however the run ends. Whatever a
// failed strike may have left in force is removed before the end's checks.
async function withLab(hosts: boolean, run: (targets: FaultTargets) => Promise<number>): Promise<number> {
  if (!hosts) {
    await using lab = await startSoakLab();
    return await run({ lab, cleanUp: () => clearFaults(lab).then(() => undefined) });
  }
  await using simulated = await startSimulatedHosts(2);
  await using lab = await startCrossHostLab({ hosts: simulated.hosts, placement: CROSS_HOST_PLACEMENT });
  return await run({
    lab,
    async partitionUnderlay(seconds) {
      await simulated.partition(CLIENT_HOST, SERVICES_HOST);
      try {
        await delay(seconds * 1000);
      } finally {
        await simulated.heal();
      }
      await swarmRecovered(lab);
    },
    cleanUp: () => simulated.heal(),
  });
}

// Both hosts are swarm managers: while cut apart neither has a quorum, and for a while after the
// link heals a container that restarts cannot be attached to the overlay (a run's tcp-echo, killed
// 14 s after a heal, stayed down: dockerd's "Could not attach to network ...: context deadline
// exceeded", and its restart manager did not try again). The next fault waits for a leader and
// every node ready, so that a kill tests the service's restart, not the swarm's recovery.
async function swarmRecovered(lab: CrossHostLab): Promise<void> {
  const ready = async (host: CrossHostLab["hosts"][number]) => {
    const nodes = await host.docker().listNodes();
    return nodes.every((node: { Status?: { State?: string } }) => node.Status?.State === "ready");
  };
  await waitFor(
    async () =>
      (await Promise.all(lab.hosts.map((host) => ready(host).catch(() => false)))).every(Boolean)
        ? true
        : undefined,
    {
      timeoutMs: SWARM_RECOVERY_TIMEOUT_MS,
      pollMs: 1_000,
      what: "the swarm to have a leader and every node ready after the underlay healed",
    },
  );
}

/** Reads each server's RSS, health and restarts; finds the server's PID again after a restart. */
class Sampler {
  readonly #lab: Lab;
  readonly #pids = new Map<string, { pid: string; restarts: number }>();

  constructor(lab: Lab) {
    this.#lab = lab;
  }

  async sample(atMs: number): Promise<SoakSample> {
    const services = await Promise.all(
      SERVICES.map(async (service) => [service, await this.#read(service)] as const),
    );
    return { atMs, services: Object.fromEntries(services) };
  }

  async #read(service: string): Promise<SoakSample["services"][string]> {
    const info = await serviceContainer(this.#lab, service).inspect();
    const restarts = info.RestartCount;
    const known = this.#pids.get(service);
    let rssBytes = Number.NaN;
    try {
      const pid = known?.restarts === restarts ? known.pid : await findServicePid(this.#lab, service);
      this.#pids.set(service, { pid, restarts });
      rssBytes = await readRssBytes(this.#lab, service, pid);
    } catch {
      // Restarting: no server process to read; the reading keeps its health and restarts.
      this.#pids.delete(service);
    }
    return {
      rssBytes: rssBytes > 0 ? rssBytes : Number.NaN,
      health: info.State.Health?.Status ?? "none",
      restarts,
    };
  }
}

// CLOSE_WAIT lasts from a client's FIN until the server closes too: the probe's last connections
// close as it exits, so a server gets a few seconds to answer; one that never closes stays counted.
async function settledCloseWaits(lab: Lab): Promise<Record<string, number>> {
  const untilMs = performance.now() + CLOSE_WAIT_SETTLE_MS;
  for (;;) {
    const counts = await countCloseWaits(lab);
    if (Object.values(counts).every((count) => count <= 0) || performance.now() >= untilMs) return counts;
    await delay(1_000);
  }
}

async function countCloseWaits(lab: Lab): Promise<Record<string, number>> {
  const counts = await Promise.all(
    SERVICES.map(async (service) => {
      // A service that is not running has no table: -1, which the verdict reports.
      const table = await readContainerTable(lab.container(service)).catch(() => undefined);
      const count = table?.entries.filter((entry) => entry.state === "CLOSE_WAIT").length ?? -1;
      return [service, count] as const;
    }),
  );
  return Object.fromEntries(counts);
}

function resultsPaths() {
  return {
    resultsDir: path.join(REPO_ROOT, "bench", "results"),
    markdownFile: path.join(REPO_ROOT, "docs", "benchmarks.md"),
  };
}
