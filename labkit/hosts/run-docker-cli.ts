import { execFile } from "node:child_process";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { EngineHost } from "./engine-host.ts";

export interface DockerCliOptions {
  /** The working directory: compose resolves relative paths from it. */
  cwd?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Runs `docker ...args` against one host; a non-zero exit is ERR_HOST_DOCKER with stderr and the host. */
export function runDockerCli(
  host: EngineHost,
  args: readonly string[],
  options: DockerCliOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      [...args],
      {
        env: host.cliEnv,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        reject(
          new SocklabError(
            "ERR_HOST_DOCKER",
            `on host ${host.name}: docker ${args.join(" ")} failed: ${stderr.trim() || error.message}`,
            { cause: error },
          ),
        );
      },
    );
  });
}
