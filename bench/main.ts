// `npm run bench`: a lab of its own, each measurement from the workbench next to the reference tool
// in the same run, then bench/results/<date>.json and the table in docs/benchmarks.md.
import "./disable-reaper.ts";
import path from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { COMPOSE_FILE_NAME, REPO_ROOT } from "../labkit/lab/lab-project.ts";
import { pruneSupersededImages } from "../labkit/docker/prune-superseded-images.ts";
import type { Lab } from "../labkit/lab/start-lab.ts";
import { SocklabError } from "../protocol/socklab-error.ts";
import { runDocker } from "./docker/run-docker.ts";
import { measureChatDelivery, measureChatRooms, NGIRCD_IMAGE } from "./measure/measure-chat-delivery.ts";
import { measureFileTransfer } from "./measure/measure-file-transfer.ts";
import { measureConnectRate } from "./measure/measure-connect-rate.ts";
import { measureIdleMemory } from "./measure/measure-idle-memory.ts";
import { measureColdUp, startTimedLab, timedDown } from "./measure/measure-lab-lifecycle.ts";
import { measureRoundTrips } from "./measure/measure-round-trips.ts";
import { measureUdpRate } from "./measure/measure-udp-rate.ts";
import { measureTcpThroughput } from "./measure/measure-tcp-throughput.ts";
import { measureTraceCost } from "./measure/measure-trace-cost.ts";
import type { BenchRow } from "./report/bench-row.ts";
import type { BenchReport } from "./report/format-markdown.ts";
import { formatMarkdown } from "./report/format-markdown.ts";
import { readMachineInfo } from "./report/read-machine-info.ts";
import { writeReport } from "./report/write-report.ts";

const NODE_IMAGE = `node:${packageJson.devDependencies.node}-bookworm-slim`;

interface Measurement {
  key: string;
  name: string;
  run: (lab: Lab) => Promise<BenchRow[]>;
}

// In this order: memory first, on a server that has served nothing yet; connections per second
// last, since it leaves thousands of TIME_WAIT sockets on the workbench.
const MEASUREMENTS: Measurement[] = [
  { key: "memory", name: "TCP echo memory per idle connection", run: measureIdleMemory },
  { key: "throughput", name: "TCP echo throughput", run: measureTcpThroughput },
  { key: "tcp-rtt", name: "TCP echo round trip", run: (lab) => measureRoundTrips(lab, "tcp") },
  { key: "udp-rtt", name: "UDP echo round trip", run: (lab) => measureRoundTrips(lab, "udp") },
  { key: "trace-cost", name: "TCP echo round trip while traced", run: measureTraceCost },
  { key: "udp-rate", name: "UDP echo zero-loss rate", run: measureUdpRate },
  { key: "files", name: "File transfer 1 GiB", run: measureFileTransfer },
  { key: "chat", name: "Chat delivery, 1,000 members", run: (lab) => measureChatDelivery(lab, NODE_IMAGE) },
  {
    key: "chat-rooms",
    name: "Chat delivery, 5,000 members over 50 channels",
    run: (lab) => measureChatRooms(lab, NODE_IMAGE),
  },
  { key: "connect-rate", name: "TCP echo connections per second", run: measureConnectRate },
];

// Last, after the lab above is down: it builds every image again from nothing.
const COLD_UP: Measurement = { key: "cold-up", name: "The lab, up cold", run: measureColdUp };

async function main(): Promise<void> {
  const { only, runs } = parseArguments(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  log(`building the lab's images (${COMPOSE_FILE_NAME})`);
  await runDocker(["compose", "-f", COMPOSE_FILE_NAME, "build", "--quiet"], { cwd: REPO_ROOT });
  const rows: BenchRow[] = [];
  const repeats: BenchRow[][] = [];
  const skipped: BenchReport["skipped"] = [];
  const started = await startTimedLab();
  await using lab = started.lab;
  rows.push(started.row);
  log(`lab ${lab.projectName} up in ${started.row.value.toFixed(1)} s`);
  const machine = await readMachineInfo(lab);
  try {
    // With --runs N, all the chosen measurements once, then all again: each run sees the same lab.
    for (let run = 1; run <= runs; run += 1) {
      const runRows: BenchRow[] = [];
      for (const measurement of MEASUREMENTS.filter((m) => only.size === 0 || only.has(m.key))) {
        if (runs > 1) log(`run ${run} of ${runs}`);
        runRows.push(...(await runMeasurement(measurement, lab, run === 1 ? skipped : [])));
      }
      repeats.push(runRows);
    }
    rows.push(...(repeats[0] ?? []));
  } finally {
    await runDocker(["image", "rm", "--force", NGIRCD_IMAGE]).catch(() => undefined);
    // The build above leaves the images it replaced untagged, as the test suite's build does.
    await pruneSupersededImages();
  }
  rows.push(await timedDown(lab));
  if (only.size === 0 || only.has(COLD_UP.key)) rows.push(...(await runMeasurement(COLD_UP, lab, skipped)));
  const report: BenchReport = { startedAt, machine, rows, skipped, ...(runs > 1 ? { repeats } : {}) };
  const jsonFile = await writeReport(report, {
    resultsDir: path.join(REPO_ROOT, "bench", "results"),
    markdownFile: path.join(REPO_ROOT, "docs", "benchmarks.md"),
  });
  process.stdout.write(`\n${formatMarkdown(report)}\nwritten: ${jsonFile}, docs/benchmarks.md\n`);
}

// One failed measurement is reported in the table's "not measured" list; the others still run.
async function runMeasurement(measurement: Measurement, lab: Lab, skipped: BenchReport["skipped"]) {
  log(`measuring: ${measurement.name}`);
  const startMs = performance.now();
  try {
    const rows = await measurement.run(lab);
    log(`  done in ${((performance.now() - startMs) / 1000).toFixed(1)} s`);
    return rows;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  failed: ${message}`);
    skipped.push({ measurement: measurement.name, reason: `failed: ${message.split("\n")[0] ?? ""}` });
    return [];
  }
}

const MAX_RUNS = 5;

/** `node bench/main.ts [--runs N] [KEY...]`: which measurements, and how many times each. */
function parseArguments(args: string[]): { only: Set<string>; runs: number } {
  const only = new Set<string>();
  let runs = 1;
  const known = new Set([...MEASUREMENTS, COLD_UP].map((m) => m.key));
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    if (arg === "--runs") {
      runs = Number(args[(index += 1)]);
      if (!Number.isInteger(runs) || runs < 1 || runs > MAX_RUNS)
        throw new SocklabError("ERR_USAGE", `--runs takes a whole number from 1 to ${MAX_RUNS}`);
    } else if (known.has(arg)) only.add(arg);
    else throw new SocklabError("ERR_USAGE", `unknown measurement ${arg}; keys: ${[...known].join(", ")}`);
  }
  return { only, runs };
}

function log(message: string): void {
  process.stderr.write(`socklab bench: ${message}\n`);
}

await main().catch((error: unknown) => {
  // Bad arguments: say which, without a stack trace.
  if (!(error instanceof SocklabError) || error.code !== "ERR_USAGE") throw error;
  log(error.message);
  process.exitCode = 2;
});
