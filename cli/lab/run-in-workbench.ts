import { composeArgs } from "../../labkit/compose/compose-project.ts";
import { INVOKED_AS_ENV, SOCKLAB_COMMAND } from "../output/invoked-as.ts";
import { composeTarget } from "./compose-target.ts";
import { requireRunningLab } from "./require-running-lab.ts";
import { runCommand } from "./run-command.ts";

/** The workbench image sets this: there the lab's services are reachable by name. */
export function insideWorkbench(): boolean {
  return process.env["SOCKLAB_IN_WORKBENCH"] === "1";
}

/**
 * Runs this same socklab command inside the workbench, where the services are: the lab's network is
 * internal, so the host cannot reach them without published ports.
 */
export async function runInWorkbench(args: readonly string[]): Promise<number> {
  const ttyFlags = process.stdin.isTTY && process.stdout.isTTY ? [] : ["-T"];
  return execInWorkbench(["socklab", ...args], socklabExecFlags(ttyFlags, SOCKLAB_COMMAND));
}

/**
 * `docker compose exec` flags for socklab in the workbench: it is told how the learner started it on
 * the host, so that its hints print that command (`npx socklab run ...`), not the workbench's `socklab`.
 */
export function socklabExecFlags(ttyFlags: readonly string[], hostInvocation: string): string[] {
  return [...ttyFlags, "--env", `${INVOKED_AS_ENV}=${hostInvocation}`];
}

/**
 * Runs `command` in the lab's workbench through `docker compose exec`, after checking that the
 * workbench runs: exec itself exits 1 ("service ... is not running"), which scripts could not tell
 * from a command that failed, so a lab that is down is ERR_LAB_DOWN (exit 5) instead.
 */
export async function execInWorkbench(
  command: readonly string[],
  execFlags: readonly string[] = [],
): Promise<number> {
  await requireRunningLab(["workbench"]);
  return runCommand("docker", [
    "compose",
    ...composeArgs(composeTarget()),
    "exec",
    ...execFlags,
    "workbench",
    ...command,
  ]);
}
