// `npm run soak`: a lab of its own under mixed load on every service for 10 minutes (or
// `--minutes N`), every reply checked, each service's memory and health sampled as it goes. Passes
// with zero errors and flat memory; writes bench/results/soak-<date>.json and its section of
// docs/benchmarks.md. With `--faults [--seed S] [--hosts]`, a seeded schedule of faults strikes the
// services while the load runs, on one host or across two simulated ones (bench/soak/run-fault-soak.ts).
// Never part of `npm test`.
import "./disable-reaper.ts";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { dockerClient } from "../labkit/docker/docker-client.ts";
import { COMPOSE_FILE_NAME, REPO_ROOT } from "../labkit/lab/lab-project.ts";
import { readSocketTable } from "../labkit/socket-table/read-socket-table.ts";
import type { Lab } from "../labkit/lab/start-lab.ts";
import { runDocker } from "./docker/run-docker.ts";
import { findServicePid, readRssBytes } from "./measure/find-service-pid.ts";
import { probeCommand, parseProbeOutput } from "./probes/run-probe.ts";
import type { SoakOptions, SoakProbeResult } from "./probes/soak-probe.ts";
import { readMachineInfo } from "./report/read-machine-info.ts";
import {
  formatSoakMarkdown,
  judgeMemory,
  type SoakReport,
  type SoakSample,
} from "./report/format-soak-markdown.ts";
import { writeResults } from "./report/write-report.ts";
import { SocklabError } from "../protocol/socklab-error.ts";
import { parseSeed } from "./soak/fault-schedule.ts";
import { runFaultSoak } from "./soak/run-fault-soak.ts";
import { startSoakLab } from "./soak/start-soak-lab.ts";

const SERVICES = ["tcp-echo", "udp-echo", "file-transfer", "chat"] as const;
const DEFAULT_MINUTES = 10;
const MAX_MINUTES = 120;
const SAMPLE_EVERY_MS = 15_000;

// The load: well under what saturates two cores, so that a stall or a leak shows as an error or a
// slope, not as the machine running out of CPU.
function soakOptions(durationMs: number): SoakOptions {
  return {
    durationMs,
    progressMs: 60_000,
    tcp: { workers: 4, maxBytes: 256 * 1024, pauseMs: 20 },
    udp: { workers: 2, maxBytes: 1472, pauseMs: 10, timeoutMs: 2_000 },
    files: { workers: 2, maxBytes: 4 * 1024 * 1024, pauseMs: 100, namesPerWorker: 5 },
    chat: { members: 20, intervalMs: 1_000, churnEveryMs: 5_000, settleMs: 30_000 },
    maxOpsPerWorker: 1_000_000,
  };
}

async function main(): Promise<number> {
  const { minutes, faults, seed, hosts } = readArguments();
  if (faults) return runFaultSoak({ minutes, seed, hosts, log });
  const startedAt = new Date().toISOString();
  log(`building the lab's images (${COMPOSE_FILE_NAME})`);
  await runDocker(["compose", "-f", COMPOSE_FILE_NAME, "build", "--quiet"], { cwd: REPO_ROOT });
  await using lab = await startSoakLab();
  log(`lab ${lab.projectName} up; ${minutes} min of mixed load from the workbench`);
  const machine = await readMachineInfo(lab);
  const pids = Object.fromEntries(
    await Promise.all(
      SERVICES.map(async (service) => [service, await findServicePid(lab, service)] as const),
    ),
  );
  const samples: SoakSample[] = [await sample(lab, pids, 0)];
  const loadStartMs = performance.now();
  const probe = lab
    .exec("workbench", probeCommand("soak-probe.ts", soakOptions(minutes * 60_000)))
    .then((result) => parseProbeOutput("soak-probe.ts", result) as SoakProbeResult);
  const done = { value: false };
  void probe.finally(() => (done.value = true)).catch(() => undefined);
  while (!done.value) {
    await Promise.race([delay(SAMPLE_EVERY_MS), probe.catch(() => undefined)]);
    samples.push(await sample(lab, pids, performance.now() - loadStartMs));
  }
  const load = await probe;
  const closeWaits = await countCloseWaits(lab);
  const report: SoakReport = { startedAt, minutes, machine, load, samples, closeWaits };
  await writeResults(report, formatSoakMarkdown(report), startedAt, resultsPaths(), "soak");
  process.stdout.write(`\n${formatSoakMarkdown(report)}\n`);
  const failures = verdict(report);
  for (const failure of failures) log(`FAILED: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

function readArguments(): { minutes: number; faults: boolean; seed: number | undefined; hosts: boolean } {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: String(DEFAULT_MINUTES) },
      faults: { type: "boolean", default: false },
      seed: { type: "string" },
      hosts: { type: "boolean", default: false },
    },
  });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_MINUTES) {
    throw new SocklabError(
      "ERR_USAGE",
      `--minutes must be a number above 0 and at most ${MAX_MINUTES}, got ${values.minutes}`,
    );
  }
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  if (values.seed !== undefined && seed === undefined)
    throw new SocklabError("ERR_USAGE", `--seed must be an integer from 0 to 4294967295, got ${values.seed}`);
  if (seed !== undefined && !values.faults)
    throw new SocklabError("ERR_USAGE", "--seed chooses a fault schedule: it needs --faults");
  if (values.hosts && !values.faults)
    throw new SocklabError(
      "ERR_USAGE",
      "--hosts runs the soak with faults across two simulated hosts: it needs --faults",
    );
  return { minutes, faults: values.faults, seed, hosts: values.hosts };
}

// One reading of every service: the server process's RSS, health, and restarts so far.
async function sample(lab: Lab, pids: Record<string, string>, atMs: number): Promise<SoakSample> {
  const services = await Promise.all(
    SERVICES.map(async (service) => {
      const info = await dockerClient().getContainer(lab.containerId(service)).inspect();
      const rssBytes = await readRssBytes(lab, service, pids[service] ?? "").catch(() => Number.NaN);
      return [
        service,
        { rssBytes, health: info.State.Health?.Status ?? "none", restarts: info.RestartCount },
      ] as const;
    }),
  );
  return { atMs, services: Object.fromEntries(services) };
}

// A server that forgot to close its side of a connection leaves CLOSE_WAIT: none may be left.
async function countCloseWaits(lab: Lab): Promise<Record<string, number>> {
  const counts = await Promise.all(
    SERVICES.map(async (service) => {
      const table = await readSocketTable(lab.containerId(service), service);
      return [service, table.entries.filter((entry) => entry.state === "CLOSE_WAIT").length] as const;
    }),
  );
  return Object.fromEntries(counts);
}

function verdict(report: SoakReport): string[] {
  const { load } = report;
  const errors = load.tcp.errors + load.udp.errors + load.files.errors + load.chat.errors;
  const failures: string[] = [];
  if (errors > 0) failures.push(`${errors} errors: ${load.firstErrors.slice(0, 5).join("; ")}`);
  for (const service of SERVICES) {
    const memory = judgeMemory(report.samples, service);
    if (!memory.flat) failures.push(`${service} memory not flat: ${memory.summary}`);
    const last = report.samples.at(-1)?.services[service];
    if (last?.restarts) failures.push(`${service} restarted ${last.restarts} times`);
    const unhealthy = report.samples.filter((s) => s.services[service]?.health !== "healthy").length;
    if (unhealthy > 0)
      failures.push(`${service} not healthy in ${unhealthy} of ${report.samples.length} samples`);
    if ((report.closeWaits[service] ?? 0) > 0)
      failures.push(`${service} left ${report.closeWaits[service]} CLOSE_WAIT`);
  }
  return failures;
}

function resultsPaths() {
  return {
    resultsDir: path.join(REPO_ROOT, "bench", "results"),
    markdownFile: path.join(REPO_ROOT, "docs", "benchmarks.md"),
  };
}

function log(message: string): void {
  process.stderr.write(`socklab soak: ${message}\n`);
}

// An error while the lab was being torn down hides the run's own: say both.
process.exitCode = await main().catch((error: unknown) => {
  const errors = error instanceof SuppressedError ? [error.error, error.suppressed] : [error];
  for (const each of errors)
    log(`error: ${each instanceof Error ? (each.stack ?? each.message) : String(each)}`);
  return 1;
});
