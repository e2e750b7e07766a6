import { SocklabError } from "../../protocol/socklab-error.ts";
import { composeOnHost, prepareCrossHostProject } from "./compose-on-host.ts";
import type { EngineHost } from "./engine-host.ts";
import { CROSS_HOST_LAB_LABEL } from "./find-cross-host-containers.ts";
import { runDockerCli } from "./run-docker-cli.ts";
import { waitFor } from "../wait-for.ts";

// Each host drops its own copy of the overlay a moment after the manager removed it.
const OVERLAY_GONE_TIMEOUT_MS = 15_000;

/**
 * Removes a cross-host lab from every host: compose down (with volumes) per host, the containers
 * socklab attached, then the overlay on the manager, and waits until no host lists it any more.
 * Goes on past failures and reports them all.
 */
export async function stopCrossHostLab(
  hosts: readonly EngineHost[],
  manager: EngineHost,
  projectName: string,
): Promise<void> {
  const overlayName = `${projectName}_labnet`;
  const project = await prepareCrossHostProject(projectName, overlayName);
  const failures: unknown[] = [];
  const attempt = (work: Promise<unknown>) => work.catch((error: unknown) => failures.push(error));
  await Promise.all(
    hosts.map(async (host) => {
      await attempt(composeOnHost(host, project, ["down", "--volumes", "--timeout", "0"]));
      const filters = JSON.stringify({ label: [`${CROSS_HOST_LAB_LABEL}=${projectName}`] });
      const attached = await host
        .docker()
        .listContainers({ all: true, filters })
        .catch(() => []);
      await Promise.all(
        attached.map((c) => attempt(host.docker().getContainer(c.Id).remove({ force: true }))),
      );
    }),
  );
  await attempt(removeOverlay(hosts, manager, overlayName));
  await project.dispose();
  if (failures.length > 0) {
    throw new SocklabError("ERR_LAB_DOWN_INCOMPLETE", `the lab ${projectName} was not wholly removed`, {
      cause: new AggregateError(failures),
    });
  }
}

/**
 * Removes the overlay through the manager. No listing first: a manager's `network ls --filter name=`
 * leaves out an attachable overlay that no container on it uses, although the swarm still has it.
 */
async function removeOverlay(
  hosts: readonly EngineHost[],
  manager: EngineHost,
  overlayName: string,
): Promise<void> {
  await runDockerCli(manager, ["network", "rm", overlayName]).catch((error: unknown) => {
    if (!/not found|no such network/i.test((error as Error).message)) throw error;
  });
  let holders: string[] = [];
  await waitFor(
    async () => {
      const listed = await Promise.all(
        hosts.map(async (host) =>
          (await host.docker().listNetworks()).some((network) => network.Name === overlayName)
            ? [host.name]
            : [],
        ),
      );
      holders = listed.flat();
      return holders.length === 0 ? true : undefined;
    },
    {
      timeoutMs: OVERLAY_GONE_TIMEOUT_MS,
      pollMs: 200,
      what: `the overlay ${overlayName} to leave every host`,
      describeLast: () => `still on ${holders.join(", ")}`,
    },
  );
}
