import { randomBytes } from "node:crypto";
import path from "node:path";
import { DockerComposeEnvironment, PullPolicy, type StartedDockerComposeEnvironment } from "testcontainers";
import { SocklabError } from "../../protocol/socklab-error.ts";
import {
  requireComposeFiles,
  requireKnownServices,
  SOCKLAB_COMPOSE_FILE,
  SOCKLAB_ROOT,
} from "../compose/compose-project.ts";
import { pingEngine } from "../docker/ping-engine.ts";
import { execInContainer, type ExecOptions, type ExecResult } from "../docker/exec-in-container.ts";
import { applyFault, type Fault } from "../fault/apply-fault.ts";
import type { FaultSpec } from "../fault/fault-spec.ts";
import { startTrace, type TraceOptions, type TraceRecorder } from "../trace/start-trace.ts";
import type { LabContainer } from "../socket-table/wait-for-socket.ts";
import { sweepLeftovers } from "./sweep-leftovers.ts";
import { TEST_PROJECT_PREFIX } from "./lab-project.ts";
import { ownerSegment } from "./lab-owner.ts";

export type { ExecOptions, ExecResult };

/** A running lab: one compose project, torn down on dispose. */
export interface Lab extends AsyncDisposable {
  readonly projectName: string;
  /** The services the compose files define (whether started or not), sorted. */
  readonly services: readonly string[];
  /** The engine's name of socklab's lab network, `<project>_labnet`; `networkNamed()` for others. */
  readonly networkName: string;
  /** The engine's name of the project's network `network` (`default` for a stack that names none). */
  networkNamed(network: string): string;
  containerId(service: string): string;
  /** A service's container as the socket checks take it: `{ name, id }`. */
  container(service: string): LabContainer;
  /** Runs a command in a service's container; resolves whatever its exit code. */
  exec(service: string, command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs `sh -c script` in a service's container and returns stdout; a non-zero exit is an error. */
  sh(service: string, script: string, options?: ExecOptions): Promise<string>;
  /**
   * Applies a network fault to a service (docs/faults.md): `await using fault = await lab.fault(...)`
   * removes it however the test ends; its helper also removes it at `seconds` if the test is killed.
   */
  fault(spec: FaultSpec): Promise<Fault>;
  /**
   * Records the kernel's state transitions and both ends' packets on one clock (docs/api.md):
   * `await using trace = await lab.trace({ services: ["workbench", "tcp-echo"] })`.
   */
  trace(options: TraceOptions): Promise<TraceRecorder>;
  down(): Promise<void>;
}

export interface StartLabOptions {
  /**
   * The folder that compose files and build contexts are relative to; socklab's own folder by
   * default, where `docker-compose.yml` is socklab's lab.
   */
  projectDir?: string;
  /** The compose files, relative to projectDir: `["docker-compose.yml"]` by default. */
  files?: readonly string[];
  /** Compose files layered over `files` (relative to projectDir, or absolute). */
  overrides?: readonly string[];
  /** Only these services (and what they depend on); all by default. */
  services?: readonly string[];
  /** The compose project's name prefix: each lab gets `<prefix><owner>-<8 hex digits>`; `socklab-test-` by default. */
  projectPrefix?: string;
  /** Variables for compose's interpolation of the files (`${VAR}`), besides the process's own. */
  env?: Readonly<Record<string, string>>;
  /** Build images that have a `build:` section before starting (`up --build`); off by default. */
  build?: boolean;
}

const DEFAULT_FILES = ["docker-compose.yml"];

/**
 * Starts a compose project under a fresh project name and waits until every service with a
 * healthcheck is healthy. Bad input fails before anything starts, each with its code: a missing
 * compose file (ERR_COMPOSE_FILE_MISSING), a service the files do not define (ERR_UNKNOWN_SERVICE),
 * no engine (ERR_ENGINE_UNREACHABLE), an ssh:// DOCKER_HOST, which testcontainers cannot check
 * (ERR_HOST_URL_UNSUPPORTED). A start that fails removes what it had started.
 */
export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const projectDir = path.resolve(options.projectDir ?? SOCKLAB_ROOT);
  const files = [...(options.files ?? DEFAULT_FILES), ...(options.overrides ?? [])];
  const project = { files: files.map((file) => path.resolve(projectDir, file)) };
  requireComposeFiles(project.files, `project folder ${projectDir}`);
  refuseSshForTestcontainers(process.env["DOCKER_HOST"]);
  await pingEngine();
  const services = await requireKnownServices(project, options.services ?? []);
  // The owner segment lets a sweep by another run tell this lab from an abandoned one.
  const projectName = `${options.projectPrefix ?? TEST_PROJECT_PREFIX}${ownerSegment()}${randomBytes(4).toString("hex")}`;
  let environment = new DockerComposeEnvironment(projectDir, files)
    .withProjectName(projectName)
    .withPullPolicy(PullPolicy.neverPull())
    .withClientOptions({ commandOptions: ["--wait", ...(options.build ? ["--build"] : [])] });
  if (options.env) environment = environment.withEnvironment({ ...options.env });
  try {
    const started = await environment.up(options.services ? [...options.services] : undefined);
    return wrap(started, projectName, services);
  } catch (error) {
    // testcontainers leaves what compose had started when `up --wait` fails: remove it by its label.
    await sweepLeftovers(projectName, { includeLive: true }).catch(() => undefined);
    throw new SocklabError("ERR_COMPOSE_FAILED", `could not start ${files.join(", ")} in ${projectDir}`, {
      cause: error,
    });
  }
}

// testcontainers builds its client from DOCKER_HOST itself: for ssh:// it would lean on docker-modem's
// defaults, which check no host key, so socklab does not let it.
function refuseSshForTestcontainers(dockerHost: string | undefined): void {
  if (!dockerHost?.startsWith("ssh:")) return;
  throw new SocklabError(
    "ERR_HOST_URL_UNSUPPORTED",
    `startLab runs compose through testcontainers, whose client would reach ${dockerHost} without checking its host key: use startCrossHostLab with that engine as a host, the socklab command, or a tcp:// endpoint with TLS (docs/cross-host.md)`,
  );
}

/** socklab's own lab (its docker-compose.yml), for `overrides` of a user's own. */
export const SOCKLAB_LAB = {
  projectDir: SOCKLAB_ROOT,
  files: [path.basename(SOCKLAB_COMPOSE_FILE)],
} as const;

function wrap(started: StartedDockerComposeEnvironment, projectName: string, services: string[]): Lab {
  let downed: Promise<void> | undefined;
  const container = (service: string) => {
    if (!services.includes(service))
      throw new SocklabError(
        "ERR_UNKNOWN_SERVICE",
        `no service ${JSON.stringify(service)} in compose project ${projectName}; its services: ${services.join(", ")}`,
      );
    try {
      return started.getContainer(`${service}-1`);
    } catch (error) {
      throw new SocklabError("ERR_LAB_DOWN", `${service} was not started in compose project ${projectName}`, {
        cause: error,
      });
    }
  };
  const lab: Lab = {
    projectName,
    services,
    networkName: `${projectName}_labnet`,
    networkNamed: (network) => `${projectName}_${network}`,
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
    fault: (spec) => applyFault(lab, spec),
    trace: (traceOptions) => startTrace(lab, traceOptions),
    down() {
      downed ??= started.down({ removeVolumes: true, timeout: 0 }).then(() => undefined);
      return downed;
    },
    [Symbol.asyncDispose]: () => lab.down(),
  };
  return lab;
}
