import { COMPOSE_FILE_NAME, REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { runDocker } from "../docker/run-docker.ts";
import type { BenchRow } from "../report/bench-row.ts";

export const BENCH_OVERRIDES = ["bench/compose.bench.yml"];

/** Starts the bench's lab (images already built) and times it until every service is healthy. */
export async function startTimedLab(): Promise<{ lab: Lab; row: BenchRow }> {
  const startMs = performance.now();
  const lab = await startLab({ overrides: BENCH_OVERRIDES });
  const upMs = performance.now() - startMs;
  return {
    lab,
    row: {
      group: "The lab",
      measurement: "up until every service is healthy, warm (images built), via testcontainers compose",
      unit: "s",
      value: upMs / 1000,
      target: { kind: "value-at-most", bound: 5 },
    },
  };
}

/** Stops the lab (compose down, volumes included) and times it. */
export async function timedDown(lab: Lab): Promise<BenchRow> {
  const startMs = performance.now();
  await lab.down();
  return {
    group: "The lab",
    measurement: "down, volumes included",
    unit: "s",
    value: (performance.now() - startMs) / 1000,
  };
}

const COLD_OVERRIDE = "bench/compose.cold.yml";
const COLD_IMAGES = ["tcp-echo", "udp-echo", "file-transfer", "chat", "workbench"].map(
  (service) => `socklab-cold/${service}:bench`,
);

/**
 * The lab as a first `up` meets it: every image built with no build cache (the workbench's apt and
 * npm installs included; the Node base image is setup's, and is kept), then started until healthy.
 * The images get names of their own (compose.cold.yml) and are removed afterwards.
 */
export async function measureColdUp(): Promise<BenchRow[]> {
  const files = ["-f", COMPOSE_FILE_NAME, "-f", COLD_OVERRIDE];
  try {
    const buildStartMs = performance.now();
    await runDocker(["compose", ...files, "build", "--no-cache", "--quiet"], { cwd: REPO_ROOT });
    const buildMs = performance.now() - buildStartMs;
    const upStartMs = performance.now();
    const lab = await startLab({ overrides: [COLD_OVERRIDE] });
    const upMs = performance.now() - upStartMs;
    await lab.down();
    return [
      {
        group: "The lab",
        measurement: "up until every service is healthy, cold (images built with no build cache first)",
        unit: "s",
        value: (buildMs + upMs) / 1000,
        note: `build ${(buildMs / 1000).toFixed(1)} s (apt and npm installs from the registries in the workbench's), then up ${(upMs / 1000).toFixed(1)} s`,
      },
    ];
  } finally {
    await runDocker(["image", "rm", "--force", ...COLD_IMAGES]).catch(() => undefined);
  }
}
