import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { REPO_ROOT } from "../lab/lab-project.ts";

const execFileAsync = promisify(execFile);

/** nftables and tc in a small image (the Dockerfile's fault-helper target); never a compose service. */
export const FAULT_HELPER_IMAGE = "socklab/fault-helper:latest";

let ensured: Promise<void> | undefined;

/**
 * Builds the helper image from the repository's Dockerfile the first time a fault needs it, on the
 * default engine. Another engine (a host of a lab across hosts) cannot build it: there it must have
 * been copied already (a cross-host lab's fault() does), or ERR_FAULT_HELPER_IMAGE says so.
 */
export function ensureFaultHelperImage(docker?: Docker): Promise<void> {
  if (docker !== undefined && docker !== dockerClient()) return requireOnEngine(docker);
  ensured ??= buildIfMissing().catch((error: unknown) => {
    ensured = undefined;
    throw error;
  });
  return ensured;
}

async function requireOnEngine(docker: Docker): Promise<void> {
  const present = await docker
    .getImage(FAULT_HELPER_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present)
    throw new SocklabError(
      "ERR_FAULT_HELPER_IMAGE",
      `${FAULT_HELPER_IMAGE} is not on the engine that holds the service: copy it there (docker image save | docker image load), as a lab across hosts does`,
    );
}

async function buildIfMissing(): Promise<void> {
  const present = await dockerClient()
    .getImage(FAULT_HELPER_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present) await buildFaultHelperImage();
}

/** Builds (or rebuilds, from the build cache) the helper image from the Dockerfile's fault-helper target. */
export async function buildFaultHelperImage(): Promise<void> {
  const args = ["build", "--quiet", "--target", "fault-helper", "--tag", FAULT_HELPER_IMAGE, REPO_ROOT];
  try {
    await execFileAsync("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    throw new SocklabError(
      "ERR_FAULT_HELPER_IMAGE",
      `could not build ${FAULT_HELPER_IMAGE} (docker ${args.join(" ")}): ${(error as { stderr?: string }).stderr ?? String(error)}`,
      { cause: error },
    );
  }
}
