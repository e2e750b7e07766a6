import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { dockerClient } from "./docker-client.ts";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  /** The engine the container runs on; the default client's engine when absent. */
  docker?: Docker;
}

/** Runs a command in a container (docker exec) and collects its output and exit code. */
export async function execInContainer(
  containerId: string,
  command: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const docker = options.docker ?? dockerClient();
  const exec = await docker.getContainer(containerId).exec({
    Cmd: [...command],
    AttachStdout: true,
    AttachStderr: true,
    ...(options.user ? { User: options.user } : {}),
    ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
  });
  const stream = await exec.start({});
  const stdout = collect();
  const stderr = collect();
  docker.modem.demuxStream(stream, stdout.sink, stderr.sink);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text() };
}

function collect(): { sink: PassThrough; text: () => string } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}
