import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { connectHost, type EngineHost } from "../../labkit/hosts/engine-host.ts";
import {
  HOSTS_FILE_NAME,
  HOW_TO_WRITE_A_HOSTS_FILE,
  readHostsFile,
  type HostSpec,
} from "../../labkit/hosts/hosts-file.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { composeTarget } from "./compose-target.ts";

/** The compose project of a lab spread over hosts, unless -p (or COMPOSE_PROJECT_NAME) names another. */
export const HOSTS_PROJECT_NAME = "socklab-hosts";

/** A lab across hosts, as the plain commands (up, down, status, netstat, capture, fault, trace) find it. */
export interface CrossHostTarget {
  /** The hosts file it was read from. */
  file: string;
  engines: EngineHost[];
  projectName: string;
}

let flagFile: string | undefined;

/** --hosts-file on the program: the plain commands then work on the lab across those hosts. */
export function addHostsFileOption(program: Command): Command {
  return program.option(
    "--hosts-file <file>",
    `the Docker hosts of a lab across hosts (default: ${HOSTS_FILE_NAME} here, or SOCKLAB_HOSTS_FILE, if there is one)`,
  );
}

/** Takes the program's --hosts-file before a command runs. */
export function resolveHostsTarget(program: Command): void {
  flagFile = program.opts<{ hostsFile?: string }>().hostsFile;
}

/**
 * The hosts file in use: --hosts-file, else SOCKLAB_HOSTS_FILE, else socklab.hosts.json in the
 * current folder when there is one; undefined means the lab runs on one engine, as it always did.
 */
export function hostsFileInUse(): string | undefined {
  const named = flagFile ?? (process.env["SOCKLAB_HOSTS_FILE"] || undefined);
  if (named !== undefined) return path.resolve(named);
  return existsSync(HOSTS_FILE_NAME) ? path.resolve(HOSTS_FILE_NAME) : undefined;
}

/**
 * The hosts of `socklab hosts ...`: its own --hosts-file, else the one in use, else socklab.hosts.json
 * here. A missing file is said with where it was looked for and how to make one.
 */
export async function readHostsFileOfCommand(commandFlagFile: string | undefined): Promise<HostSpec[]> {
  const named = commandFlagFile ?? flagFile;
  const namedBy =
    named !== undefined
      ? "named by --hosts-file"
      : process.env["SOCKLAB_HOSTS_FILE"]
        ? "named by SOCKLAB_HOSTS_FILE"
        : `looked for as ${HOSTS_FILE_NAME} in this folder; name another with --hosts-file FILE or SOCKLAB_HOSTS_FILE`;
  const file = path.resolve(named ?? hostsFileInUse() ?? HOSTS_FILE_NAME);
  return readHostsFileSaying(file, namedBy);
}

async function readHostsFileSaying(file: string, namedBy: string): Promise<HostSpec[]> {
  try {
    return await readHostsFile(file);
  } catch (error) {
    if (!(error instanceof SocklabError) || error.code !== "ERR_HOSTS_FILE_MISSING") throw error;
    throw new SocklabError(
      "ERR_HOSTS_FILE_MISSING",
      `no hosts file ${file} (${namedBy}): ${HOW_TO_WRITE_A_HOSTS_FILE}; scripts/simulated-hosts.sh up makes simulated hosts on this machine (root)`,
      { cause: error },
    );
  }
}

/** The lab across hosts this run is about, or undefined for a lab on one engine. */
export async function crossHostTarget(): Promise<CrossHostTarget | undefined> {
  const file = hostsFileInUse();
  if (file === undefined) return undefined;
  const namedBy = flagFile !== undefined ? "named by --hosts-file" : "named by SOCKLAB_HOSTS_FILE";
  const engines = await Promise.all((await readHostsFileSaying(file, namedBy)).map(connectHost));
  return { file, engines, projectName: composeTarget().projectName ?? HOSTS_PROJECT_NAME };
}
