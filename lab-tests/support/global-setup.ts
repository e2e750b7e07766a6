import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { COMPOSE_FILE_NAME, REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { pruneSupersededImages } from "../../labkit/docker/prune-superseded-images.ts";
import { buildFaultHelperImage } from "../../labkit/fault/fault-helper-image.ts";
import { removeFixtureImages } from "./remove-fixture-images.ts";
import { sweepLeftovers } from "../../labkit/lab/sweep-leftovers.ts";

const execFileAsync = promisify(execFile);

/** Before the lab tests: remove what an aborted earlier run left, and build the images once. */
export default async function setup(): Promise<() => Promise<void>> {
  // Only abandoned labs: another run on this engine (a parallel job, a soak) keeps its own.
  const swept = await sweepLeftovers();
  const count = swept.containers.length + swept.networks.length + swept.volumes.length;
  if (count > 0)
    console.log(`socklab lab tests: removed leftovers of earlier runs: ${JSON.stringify(swept)}`);
  await execFileAsync("docker", ["compose", "-f", COMPOSE_FILE_NAME, "build", "--quiet"], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  // Not a compose service (faults start it on demand): built here so that it is never stale.
  await buildFaultHelperImage();
  await pruneSupersededImages();
  return async () => {
    // Every worker of this run has exited by now; the main process's own labs (a threads pool) are over too.
    await sweepLeftovers(undefined, { finishedPids: [process.pid] });
    await removeFixtureImages();
    // Builds under another project name (socklab up in the CLI tests) leave the earlier images untagged.
    await pruneSupersededImages();
  };
}
