import { spawn } from "node:child_process";
import readline from "node:readline";
import { stripVTControlCharacters } from "node:util";
import { composeArgs } from "../../labkit/compose/compose-project.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { composeTarget } from "./compose-target.ts";

export interface ComposeResult {
  exitCode: number;
  stdout: string;
  /** The signal this process got and passed on to compose (with `forwardSignals`), if any. */
  stoppedBy?: NodeJS.Signals;
}

export interface ComposeOptions {
  /**
   * "inherit" shows compose's own output (progress of up/down); "capture" returns it; "plain"
   * prints it line by line without terminal control sequences: compose 2.2x starts every log line
   * with ESC [2K even when stdout is a pipe, which breaks "one JSON object per line".
   */
  output: "inherit" | "capture" | "plain";
  /**
   * Pass SIGINT, SIGTERM and SIGHUP on to compose and wait for it to end: `kill PID` of a
   * `socklab logs -f` then stops compose too, where it would otherwise keep following, orphaned.
   */
  forwardSignals?: boolean;
  /** With "plain": print only the lines this keeps. */
  keepLine?: (line: string) => boolean;
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs `docker compose -f <files> [-p name] ...args` on the target project; resolves with its exit code and stdout. */
export function compose(args: readonly string[], options: ComposeOptions): Promise<ComposeResult> {
  const fullArgs = ["compose", ...composeArgs(composeTarget()), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn("docker", fullArgs, {
      stdio: ["inherit", options.output === "inherit" ? "inherit" : "pipe", "inherit"],
    });
    let stdout = "";
    let stoppedBy: NodeJS.Signals | undefined;
    const forward = (signal: NodeJS.Signals): void => {
      stoppedBy ??= signal;
      child.kill(signal);
    };
    if (options.forwardSignals) for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const stopForwarding = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    if (options.output === "plain" && child.stdout) {
      readline.createInterface({ input: child.stdout }).on("line", (raw) => {
        const line = stripVTControlCharacters(raw);
        if (options.keepLine?.(line) ?? true) process.stdout.write(`${line}\n`);
      });
      // A reader that went away (`socklab logs -f | head`) ends compose, not this process with EPIPE.
      process.stdout.once("error", () => child.kill("SIGTERM"));
    } else child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.on("error", (error) => {
      stopForwarding();
      reject(
        new SocklabError("ERR_DOCKER_MISSING", `cannot run docker: ${error.message} (run npm run setup)`, {
          cause: error,
        }),
      );
    });
    child.on("close", (code, signal) => {
      stopForwarding();
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, ...(stoppedBy ? { stoppedBy } : {}) });
    });
  });
}

/** Removes socklab's images that a rebuild left untagged (labelled in the Dockerfile); nothing else. */
export async function pruneSupersededImages(): Promise<void> {
  await new Promise<void>((resolve) => {
    const args = [
      "image",
      "prune",
      "--force",
      "--filter",
      "dangling=true",
      "--filter",
      "label=org.socklab.image=true",
    ];
    spawn("docker", args, { stdio: "ignore" })
      .on("close", () => resolve())
      .on("error", () => resolve());
  });
}
