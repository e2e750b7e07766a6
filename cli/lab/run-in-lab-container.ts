import { SocklabError } from "../../protocol/socklab-error.ts";
import { requireRunningLab } from "./require-running-lab.ts";
import { runCommand } from "./run-command.ts";
import { socklabCommand } from "../output/invoked-as.ts";

const WORKBENCH_IMAGE = "socklab/workbench:latest";
/** Where the host directory appears inside the one-off container. */
export const HOST_DIR_IN_CONTAINER = "/host";

/**
 * Runs `socklab ...args` in a one-off workbench container on the lab's network, with `hostDir`
 * mounted at /host as the invoking user: the way host files reach services on an internal network.
 */
export async function runInLabContainer(args: readonly string[], hostDir: string): Promise<number> {
  const network = await labNetwork();
  const user = `${String(process.getuid?.() ?? 0)}:${String(process.getgid?.() ?? 0)}`;
  const tty = process.stdout.isTTY ? ["-t"] : [];
  const runArgs = [
    "run",
    "--rm",
    "-i",
    ...tty,
    "--network",
    network,
    "--user",
    user,
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "-v",
    `${hostDir}:${HOST_DIR_IN_CONTAINER}`,
    "-w",
    HOST_DIR_IN_CONTAINER,
    WORKBENCH_IMAGE,
    "socklab",
    ...args,
  ];
  return runCommand("docker", runArgs);
}

// The lab being down is ERR_LAB_DOWN (exit 5), raised before anything is started.
async function labNetwork(): Promise<string> {
  const running = await requireRunningLab(["workbench"]);
  const workbench = running.find((s) => s.service === "workbench");
  const network = workbench?.networks[0];
  if (!network)
    throw new SocklabError(
      "ERR_LAB_DOWN",
      `the lab's workbench is on no network: restart it with \`${socklabCommand("up")}\``,
    );
  return network;
}
