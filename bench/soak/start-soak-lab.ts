// The soaks' labs are not test labs: a prefix of their own, so that a test run's sweep on the same
// engine never takes an hour-long run's containers, and a killed soak's lab is swept by the next soak.
import { sweepLeftovers } from "../../labkit/lab/sweep-leftovers.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

export const SOAK_PROJECT_PREFIX = "socklab-soak-";

/** Removes what a killed soak left (its process gone), then starts the soak's lab. */
export async function startSoakLab(): Promise<Lab> {
  await sweepLeftovers(SOAK_PROJECT_PREFIX);
  return startLab({ projectPrefix: SOAK_PROJECT_PREFIX });
}
