import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

const CLI_MAIN = path.join(REPO_ROOT, "cli", "main.ts");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// COMPOSE_PROJECT_NAME outranks the compose file's `name:`, so the CLI works on the test's lab.
function cliEnv(lab: Lab | string): NodeJS.ProcessEnv {
  return { ...process.env, COMPOSE_PROJECT_NAME: typeof lab === "string" ? lab : lab.projectName };
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** Variables added to the command's environment (COMPOSE_FILE, ...). */
  env?: Readonly<Record<string, string>>;
}

/** Runs the socklab command on the host against `lab` (or a project name), with the tests' Node. */
export async function runSocklab(
  lab: Lab | string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...cliEnv(lab), ...options.env },
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdin.end(options.input ?? "");
  const [code] = (await once(child, "close")) as [number | null];
  return { exitCode: code ?? -1, stdout, stderr };
}

/**
 * Starts a long-running socklab command (`netstat --watch`, `chat`) with its stdin open; the
 * caller stops it by its PID.
 */
export function spawnSocklab(
  lab: Lab | string,
  args: readonly string[],
  options: Pick<RunOptions, "env"> = {},
): ChildProcess {
  return spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...cliEnv(lab), ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A spawned socklab command's output so far, and its close. */
export interface WatchedCli {
  readonly output: { stdout: string; stderr: string };
  readonly closed: Promise<unknown[]>;
}

/** Collects a spawned socklab command's output as it comes, with stdin closed. */
export function watchOutput(cli: ChildProcess): WatchedCli {
  const output = { stdout: "", stderr: "" };
  cli.stdin?.end();
  cli.stdout?.setEncoding("utf8").on("data", (text: string) => (output.stdout += text));
  cli.stderr?.setEncoding("utf8").on("data", (text: string) => (output.stderr += text));
  return { output, closed: once(cli, "close") };
}

/** Waits until a watched command has printed `text` on stdout (a check's "now step 3", say). */
export async function untilStdoutSays(cli: WatchedCli, text: string, timeoutMs: number): Promise<void> {
  await waitFor(() => (cli.output.stdout.includes(text) ? true : undefined), {
    timeoutMs,
    what: `socklab to print ${JSON.stringify(text)}`,
    describeLast: () => cli.output.stdout + cli.output.stderr,
  });
}

/** Collects a spawned `socklab trace`'s output and waits until it says it is recording. */
export async function untilTraceRecords(cli: ChildProcess, timeoutMs: number): Promise<WatchedCli> {
  const output = { stdout: "", stderr: "" };
  cli.stdout?.setEncoding("utf8").on("data", (text: string) => (output.stdout += text));
  cli.stderr?.setEncoding("utf8").on("data", (text: string) => (output.stderr += text));
  const closed = once(cli, "close");
  await waitFor(() => (output.stderr.includes("socklab trace: recording") ? true : undefined), {
    timeoutMs,
    what: "socklab trace to say it is recording",
    describeLast: () => output.stderr,
  });
  return { output, closed };
}
