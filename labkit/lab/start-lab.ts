import { randomBytes } from "node:crypto";
import { DockerComposeEnvironment, PullPolicy, type StartedDockerComposeEnvironment } from "testcontainers";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { execInContainer, type ExecOptions, type ExecResult } from "../docker/exec-in-container.ts";
import { COMPOSE_FILE_NAME, REPO_ROOT, TEST_PROJECT_PREFIX } from "./lab-project.ts";
import type { LabContainer } from "../socket-table/wait-for-socket.ts";

export type { ExecOptions, ExecResult };

/** A running lab: one compose project of the repository's docker-compose.yml, torn down on dispose. */
export interface Lab extends AsyncDisposable {
  readonly projectName: string;
  /** The compose network's name on the engine, e.g. `socklab-test-1a2b3c_labnet`. */
  readonly networkName: string;
  containerId(service: string): string;
  /** A service's container as the socket checks take it: `{ name, id }`. */
  container(service: string): LabContainer;
  /** Runs a command in a service's container; resolves whatever its exit code. */
  exec(service: string, command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs `sh -c script` in a service's container and returns stdout; a non-zero exit is an error. */
  sh(service: string, script: string, options?: ExecOptions): Promise<string>;
  down(): Promise<void>;
}

export interface StartLabOptions {
  /** Compose files layered over docker-compose.yml (paths relative to the repository root). */
  overrides?: readonly string[];
  /** Only these services (and what they depend on); all by default. */
  services?: readonly string[];
}

/** Starts the lab under a fresh project name and waits until every service with a healthcheck is healthy. */
export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const projectName = `${TEST_PROJECT_PREFIX}${randomBytes(4).toString("hex")}`;
  const environment = new DockerComposeEnvironment(REPO_ROOT, [
    COMPOSE_FILE_NAME,
    ...(options.overrides ?? []),
  ])
    .withProjectName(projectName)
    .withPullPolicy(PullPolicy.neverPull())
    .withClientOptions({ commandOptions: ["--wait"] });
  const started = await environment.up(options.services ? [...options.services] : undefined);
  return wrap(started, projectName);
}

function wrap(started: StartedDockerComposeEnvironment, projectName: string): Lab {
  let downed: Promise<void> | undefined;
  const container = (service: string) => started.getContainer(`${service}-1`);
  const lab: Lab = {
    projectName,
    networkName: `${projectName}_labnet`,
    containerId: (service) => container(service).getId(),
    container: (service) => ({ name: service, id: container(service).getId() }),
    exec: (service, command, execOptions = {}) =>
      execInContainer(lab.containerId(service), command, execOptions),
    async sh(service, script, execOptions = {}) {
      const result = await lab.exec(service, ["sh", "-c", script], execOptions);
      if (result.exitCode !== 0) {
        throw new SocklabError(
          "ERR_LAB_EXEC",
          `in ${service}: \`${script}\` exited ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      }
      return result.stdout;
    },
    down() {
      downed ??= started.down({ removeVolumes: true, timeout: 0 }).then(() => undefined);
      return downed;
    },
    [Symbol.asyncDispose]: () => lab.down(),
  };
  return lab;
}
