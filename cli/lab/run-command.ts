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
  /**
   * Pass SIGINT, SIGTERM and SIGHUP on to the command and wait for it to end (told to `onSignal`),
   * where this process would otherwise die at once and leave it running, orphaned.
   */
  onSignal?: (signal: NodeJS.Signals) => void;
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs a command (docker, bash) on this terminal and resolves with its exit code: a command that
 * cannot start at all means the lab's tools are missing (EXIT.labDown).
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<number> {
  const child = spawn(command, args, {
    stdio: ["inherit", options.stdoutFile?.fd ?? "inherit", options.onStderrLine ? "pipe" : "inherit"],
    ...(options.env ? { env: options.env } : {}),
  });
  const forward = (signal: NodeJS.Signals): void => {
    options.onSignal?.(signal);
    child.kill(signal);
  };
  if (options.onSignal) for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await new Promise((resolve) => {
      if (options.onStderrLine && child.stderr)
        readline.createInterface({ input: child.stderr }).on("line", options.onStderrLine);
      child.on("error", () => resolve(EXIT.labDown));
      child.on("close", (code) => resolve(code ?? EXIT.network));
    });
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    await options.stdoutFile?.close();
  }
}
