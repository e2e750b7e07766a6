import { COMPOSE_PROJECT_LABEL } from "../../lab-tests/harness/lab-project.ts";
import type { Lab } from "../../lab-tests/harness/start-lab.ts";
import { waitFor } from "../../lab-tests/harness/wait-for.ts";
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

// /proc/net/{tcp,udp}{,6} list every socket of the namespace: field 1 is the local address with the
// port in hex (00000000:1451 is *:5201), field 3 the state (0A is LISTEN; a bound UDP socket is enough).
async function waitUntilListening(id: string, ready: HelperOptions["readyPort"]): Promise<void> {
  const portHex = ready.port.toString(16).toUpperCase().padStart(4, "0");
  const isReady = (fields: string[]) =>
    (fields[1] ?? "").endsWith(`:${portHex}`) && (ready.protocol === "udp" || fields[3] === "0A");
  await waitFor(
    async () => {
      const files = `/proc/net/${ready.protocol} /proc/net/${ready.protocol}6`;
      // A namespace without IPv6 has no tcp6 file: what cat could read is enough.
      const script = `cat ${files} 2>/dev/null; true`;
      const table = await runDocker(["exec", id, "sh", "-c", script]).catch(() => "");
      const found = table.split("\n").some((line) => isReady(line.trim().split(/\s+/)));
      return found ? true : undefined;
    },
    {
      timeoutMs: READY_TIMEOUT_MS,
      pollMs: 200,
      what: `helper ${id.slice(0, 12)} to listen on ${ready.protocol}/${ready.port}`,
    },
  );
}
