import { spawn } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import { EXIT } from "../exit-codes.ts";

export interface RunCommandOptions {
  /** Where stdout goes instead of this terminal; closed when the command ends. */
  stdoutFile?: FileHandle;
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
      const child = spawn(command, args, { stdio: ["inherit", stdout, "inherit"] });
      child.on("error", () => resolve(EXIT.labDown));
      child.on("close", (code) => resolve(code ?? EXIT.network));
    });
  } finally {
    await options.stdoutFile?.close();
  }
}
