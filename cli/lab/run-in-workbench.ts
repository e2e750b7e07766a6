import { COMPOSE_FILE } from "./compose.ts";
import { runCommand } from "./run-command.ts";

/** The workbench image sets this: there the lab's services are reachable by name. */
export function insideWorkbench(): boolean {
  return process.env["SOCKLAB_IN_WORKBENCH"] === "1";
}

/**
 * Runs this same socklab command inside the workbench, where the services are: the lab's network is
 * internal, so the host cannot reach them without published ports.
 */
export function runInWorkbench(args: readonly string[]): Promise<number> {
  const tty = process.stdin.isTTY && process.stdout.isTTY ? [] : ["-T"];
  const execArgs = ["compose", "-f", COMPOSE_FILE, "exec", ...tty, "workbench", "socklab", ...args];
  // docker compose exec exits 1 with "service ... is not running" when the lab is down.
  return runCommand("docker", execArgs);
}
