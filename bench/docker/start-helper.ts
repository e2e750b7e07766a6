import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { runDocker } from "./run-docker.ts";

export const WORKBENCH_IMAGE = "socklab/workbench:latest";

/** Every container the bench starts: no capabilities, and the lab's project label for the sweep. */
export function benchContainerFlags(lab: Lab): string[] {
  return [
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "--label",
    `${COMPOSE_PROJECT_LABEL}=${lab.projectName}`,
  ];
}

export interface HelperOptions {
  /** `container:<id>` to share a service's network namespace, or a network's name. */
  network: string;
  command: readonly string[];
  image?: string;
  /** Extra `docker run` flags (ulimits, network alias, user). */
  runFlags?: readonly string[];
  /** The helper is ready once this TCP or UDP port listens in its network namespace. */
  readyPort: { protocol: "tcp" | "udp"; port: number };
}

/** A container started for one measurement, removed on dispose. */
export interface Helper extends AsyncDisposable {
  readonly id: string;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts a reference tool (iperf3, socat, sockperf, ngircd) in a container of its own with no
 * capabilities. Labelled with the lab's compose project, so the test suite's sweep of leftovers
 * also removes it if a bench run is killed.
 */
export async function startHelper(lab: Lab, options: HelperOptions): Promise<Helper> {
  const id = await runDocker([
    "run",
    // No --rm: a tool that exits by itself (iperf3 --one-off) must not race the removal below.
    "--detach",
    "--network",
    options.network,
    ...benchContainerFlags(lab),
    "--label",
    "org.socklab.bench=true",
    ...(options.runFlags ?? []),
    options.image ?? WORKBENCH_IMAGE,
    ...options.command,
  ]);
  const helper: Helper = {
    id,
    [Symbol.asyncDispose]: async () => {
      await runDocker(["rm", "--force", id]);
    },
  };
  await waitUntilListening(id, options.readyPort).catch(async (error: unknown) => {
    await helper[Symbol.asyncDispose]();
    throw error;
  });
  return helper;
}

// A bound UDP socket is enough; a TCP one must be in LISTEN. Read through the one socket-table parser.
async function waitUntilListening(id: string, ready: HelperOptions["readyPort"]): Promise<void> {
  const state = ready.protocol === "tcp" ? "LISTEN" : "UNCONN";
  await waitForSocket(
    { name: `helper ${id.slice(0, 12)}`, id },
    { protocol: ready.protocol, localPort: ready.port, state },
    { timeoutMs: READY_TIMEOUT_MS },
  );
}
