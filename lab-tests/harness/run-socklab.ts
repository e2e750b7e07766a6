import { execFile, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./lab-project.ts";
import type { Lab } from "./start-lab.ts";

const execFileAsync = promisify(execFile);
const CLI_MAIN = path.join(REPO_ROOT, "cli", "main.ts");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// COMPOSE_PROJECT_NAME outranks the compose file's `name:`, so the CLI works on the test's lab.
function cliEnv(lab: Lab): NodeJS.ProcessEnv {
  return { ...process.env, COMPOSE_PROJECT_NAME: lab.projectName };
}

/** Runs the socklab command on the host against `lab`, with the Node that runs the tests. */
export async function runSocklab(lab: Lab, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI_MAIN, ...args], {
      env: cliEnv(lab),
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Starts a long-running socklab command (`netstat --watch`); the caller stops it by its PID. */
export function spawnSocklab(lab: Lab, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI_MAIN, ...args], {
    env: cliEnv(lab),
    stdio: ["ignore", "pipe", "pipe"],
  });
}
