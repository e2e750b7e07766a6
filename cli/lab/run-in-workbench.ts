import { composeArgs } from "../../labkit/compose/compose-project.ts";
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
  return execInWorkbench(["socklab", ...args], process.stdin.isTTY && process.stdout.isTTY ? [] : ["-T"]);
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
