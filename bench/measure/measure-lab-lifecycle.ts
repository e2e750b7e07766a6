import { startLab, type Lab } from "../../lab-tests/harness/start-lab.ts";
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
