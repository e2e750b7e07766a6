import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { startInTerminal, type TerminalSession } from "./start-in-terminal.ts";

/** The CLI's entry point, for tests that run it as a child process. */
export const CLI_MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

// As in the workbench, where socklab talks to the services directly.
const IN_WORKBENCH = { SOCKLAB_IN_WORKBENCH: "1" };

export interface RunningCli {
  readonly stdout: string;
  readonly stderr: string;
  /** Writes to its stdin (with `stdin: "pipe"`); `end()` closes it, as Ctrl-D at a pipe does. */
  write(text: string): void;
  end(): void;
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has ended (128 + N when signal N ended it). */
  readonly exited: Promise<number>;
}

export interface StartSocklabOptions {
  cwd?: string;
  /** "ignore" by default: a CLI that reads stdin would see its end at once. */
  stdin?: "ignore" | "pipe";
  /**
   * false runs it as on the host, where it would reach the lab through Docker: DOCKER_HOST then
   * names no engine, so that a unit test never touches one (a command that tries fails with 4 or 5).
   */
  inWorkbench?: boolean;
}

// A socket path no engine listens on.
const NO_ENGINE = { DOCKER_HOST: "unix:///nonexistent/socklab-unit-test.sock" };

/** Starts `socklab ...args` (as in the workbench unless told otherwise); `cleanups` gets what kills it if a test ends first. */
export function startSocklab(
  args: readonly string[],
  cleanups: (() => Promise<unknown>)[],
  options: StartSocklabOptions = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...process.env, ...(options.inWorkbench === false ? NO_ENGINE : IN_WORKBENCH) },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = once(child, "close").then(([code, signal]) =>
    typeof code === "number" ? code : 128 + constants.signals[signal as NodeJS.Signals],
  );
  cleanups.push(async () => {
    child.kill("SIGKILL");
    await exited;
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    write: (text) => child.stdin?.write(text),
    end: () => child.stdin?.end(),
    signal: (signal) => child.kill(signal),
    exited,
  };
}

/** Runs `socklab ...args` (as in the workbench unless told otherwise) to its end. */
export async function socklab(
  args: readonly string[],
  cleanups: (() => Promise<unknown>)[],
  options: StartSocklabOptions = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const cli = startSocklab(args, cleanups, options);
  const exitCode = await cli.exited;
  return { exitCode, stdout: cli.stdout, stderr: cli.stderr };
}

/** Starts `socklab ...args` as in the workbench, on a terminal of its own. */
export function startSocklabInTerminal(
  args: readonly string[],
  cleanups: (() => Promise<unknown>)[],
): TerminalSession {
  const session = startInTerminal(process.execPath, [CLI_MAIN, ...args], IN_WORKBENCH);
  cleanups.push(async () => {
    session.kill();
    await session.exited;
  });
  return session;
}
