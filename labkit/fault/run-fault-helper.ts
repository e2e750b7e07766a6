import { PassThrough } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { dockerClient } from "../docker/docker-client.ts";
import { ensureFaultHelperImage, FAULT_HELPER_IMAGE } from "./fault-helper-image.ts";
import { demuxDockerStream } from "../docker/read-container-logs.ts";
import { stopStream } from "../docker/stop-stream.ts";

/** Labels on every fault helper: which lab, service and fault it serves. */
export const FAULT_LABELS = {
  project: "org.socklab.fault.project",
  service: "org.socklab.fault.service",
  id: "org.socklab.fault.id",
  kind: "org.socklab.fault.kind",
  description: "org.socklab.fault.description",
  expiresAt: "org.socklab.fault.expires-at",
} as const;

export interface HelperResult {
  exitCode: number;
  output: string;
}

// NET_ADMIN alone, nothing writable, few processes: the helper can change the namespace's
// packet filters and queues, and nothing else. It joins the target's namespace, never its network.
function helperConfig(
  targetId: string,
  command: readonly string[],
  labels: Record<string, string>,
  autoRemove: boolean,
): Docker.ContainerCreateOptions {
  return {
    Image: FAULT_HELPER_IMAGE,
    Cmd: [...command],
    User: "0:0",
    Labels: labels,
    HostConfig: {
      NetworkMode: `container:${targetId}`,
      CapDrop: ["ALL"],
      CapAdd: ["NET_ADMIN"],
      SecurityOpt: ["no-new-privileges:true"],
      ReadonlyRootfs: true,
      Init: true,
      AutoRemove: autoRemove,
      Memory: 64 * 1024 * 1024,
      PidsLimit: 32,
    },
  };
}

/**
 * Runs `sh -c script` in a helper in `targetId`'s network namespace, on `docker` (the engine that
 * holds the target; the default one when absent), and removes the helper.
 */
export async function runFaultHelper(
  targetId: string,
  script: string,
  docker: Docker = dockerClient(),
): Promise<HelperResult> {
  await ensureFaultHelperImage(docker);
  const container = await docker.createContainer(helperConfig(targetId, ["sh", "-c", script], {}, false));
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    return { exitCode: StatusCode, output: demuxDockerStream(logs) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

const ENGINE_SAYS_STOPPED_MAX_MS = 5_000;

/** A helper that stays: its output as it comes, and a promise that settles when it has ended. */
export interface RunningHelper {
  readonly container: Docker.Container;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  readonly ended: Promise<void>;
  /** Stops following its output (so that this process may exit); the helper goes on. */
  stopFollowing(): void;
}

/**
 * Starts `sh -c script` in a helper that removes itself when it ends, on `docker` (the engine that
 * holds the target); its output is followed.
 */
export async function startFaultHelper(
  targetId: string,
  script: string,
  env: Record<string, string>,
  labels: Record<string, string>,
  docker: Docker = dockerClient(),
): Promise<RunningHelper> {
  await ensureFaultHelperImage(docker);
  const config = helperConfig(targetId, ["sh", "-c", script], labels, true);
  config.Env = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const container = await docker.createContainer(config);
  // Attached before the start, so that no line is missed, even of a helper that ends at once.
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const sink = new PassThrough();
  let text = "";
  sink.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  docker.modem.demuxStream(stream, sink, sink);
  let following = true;
  const streamEnded = new Promise<void>((resolve) => {
    const end = (): void => {
      if (following) resolve();
    };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  });
  // Its output ends a moment before the engine stops listing it as running (a killed helper was
  // still "running" to listFaults); gone already (auto-removed) counts as ended too.
  const ended = streamEnded.then(async () => {
    const stopped = container.wait({ condition: "not-running" }).catch(() => undefined);
    // Bounded, and unref'd: an engine that does not answer must not hold `removed` or the process.
    await Promise.race([stopped, delay(ENGINE_SAYS_STOPPED_MAX_MS, undefined, { ref: false })]);
  });
  await container.start();
  return {
    container,
    output: () => text,
    ended,
    stopFollowing: () => {
      following = false;
      stopStream(stream);
    },
  };
}
