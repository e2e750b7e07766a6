import { spawn } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import readline from "node:readline";
import { EXIT } from "../exit-codes.ts";

export interface RunCommandOptions {
  /** Where stdout goes instead of this terminal; closed when the command ends. */
  stdoutFile?: FileHandle;
  /** Takes each stderr line instead of this terminal, as it comes. */
  onStderrLine?: (line: string) => void;
  /** The command's environment (a host's DOCKER_HOST, say); this process's own by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command (docker, bash) on this terminal and resolves with its exit code: a command that
 * cannot start at all means the lab's tools are missing (EXIT.labDown).
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<number> {
  try {
    return await new Promise((resolve) => {
      const stdout = options.stdoutFile?.fd ?? "inherit";
      const stderr = options.onStderrLine ? "pipe" : "inherit";
      const child = spawn(command, args, {
        stdio: ["inherit", stdout, stderr],
        ...(options.env ? { env: options.env } : {}),
      });
      if (options.onStderrLine && child.stderr)
        readline.createInterface({ input: child.stderr }).on("line", options.onStderrLine);
      child.on("error", () => resolve(EXIT.labDown));
      child.on("close", (code) => resolve(code ?? EXIT.network));
    });
  } finally {
    await options.stdoutFile?.close();
  }
}
