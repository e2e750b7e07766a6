import { SocklabError } from "../../protocol/socklab-error.ts";
import { composeOnHost, prepareCrossHostProject } from "./compose-on-host.ts";
import type { EngineHost } from "./engine-host.ts";
import { CROSS_HOST_LAB_LABEL } from "./find-cross-host-containers.ts";
import { runDockerCli } from "./run-docker-cli.ts";

/**
 * Removes a cross-host lab from every host: compose down (with volumes) per host, the containers
 * socklab attached, then the overlay on the manager. Goes on past failures and reports them all.
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
  const overlays = await runDockerCli(manager, ["network", "ls", "-q", "--filter", `name=^${overlayName}$`]);
  if (overlays.trim() !== "") await attempt(runDockerCli(manager, ["network", "rm", overlayName]));
  await project.dispose();
  if (failures.length > 0) {
    throw new SocklabError("ERR_LAB_DOWN_INCOMPLETE", `the lab ${projectName} was not wholly removed`, {
      cause: new AggregateError(failures),
    });
  }
}
