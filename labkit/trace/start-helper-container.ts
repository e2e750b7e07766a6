import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { dockerClient } from "../docker/docker-client.ts";

/** Every helper a trace starts carries this label, with the lab's project name as its value. */
export const TRACE_HELPER_LABEL = "org.socklab.trace-helper";

export interface HelperContainer {
  readonly id: string;
  readonly name: string;
  /** The helper's stdout, as it comes (pcap bytes, or trace lines). */
  readonly stdout: PassThrough;
  /** Everything it wrote to stderr so far. */
  stderrText(): string;
  /** Resolves with the exit code once the helper's process has ended. */
  readonly exited: Promise<number>;
  signal(name: "SIGINT" | "SIGTERM"): Promise<void>;
  /** Removes the container, running or not; never throws. */
  remove(): Promise<void>;
}

/**
 * Creates and starts a short-lived helper container on `docker` (the engine that holds what it
 * looks at; the default one when absent) with stdout attached before it starts, so
 * nothing it prints is lost; nothing but the lab's trace uses it, and `remove()` ends it.
 */
export async function startHelperContainer(
  options: Docker.ContainerCreateOptions & { name: string },
  docker: Docker = dockerClient(),
): Promise<HelperContainer> {
  const container = await docker.createContainer(options);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stderrChunks: Buffer[] = [];
  stderr.on("data", (chunk: Buffer) => stderrChunks.push(chunk));
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    docker.modem.demuxStream(stream, stdout, stderr);
    stream.on("end", () => stdout.end());
    const exited = container
      .wait({ condition: "next-exit" })
      .then((result: { StatusCode: number }) => result.StatusCode);
    await container.start();
    return {
      id: container.id,
      name: options.name,
      stdout,
      stderrText: () => Buffer.concat(stderrChunks).toString("utf8"),
      exited,
      signal: async (name) => {
        await container.kill({ signal: name }).catch(() => undefined);
      },
      remove: async () => {
        await container.remove({ force: true }).catch(() => undefined);
      },
    };
  } catch (error) {
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  }
}
