import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { REPO_ROOT } from "../lab/lab-project.ts";
import { parseHostsFile, type HostSpec } from "./hosts-file.ts";

const execFileAsync = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, "scripts", "simulated-hosts.sh");

/** An OpenSSH server in one simulated host's namespace (simulated-hosts.sh sshd), its keys made at start. */
export interface SimulatedSshd extends AsyncDisposable {
  /** `ssh://<user>@<address>:<port>`: the host's engine, as an ssh:// host is named. */
  readonly dockerHost: string;
  /** The client key the server authorizes (unencrypted, for sshIdentityFile). */
  readonly identityFile: string;
  /** A known_hosts file listing the server's host key. */
  readonly knownHostsFile: string;
  /** The server's own log: one `Accepted publickey` line per session. */
  readonly logFile: string;
  /** Stops the server by its PID and removes its keys. */
  stop(): Promise<void>;
}

/** Simulated Docker hosts on this machine (scripts/simulated-hosts.sh): network namespaces, a dockerd each. */
export interface SimulatedHosts extends AsyncDisposable {
  readonly hosts: readonly HostSpec[];
  /**
   * The same engines named by tcp:// with TLS (each also listens there, with certificates made at
   * `up`), as remote engines are named; the hosts behind the router are not in it.
   */
  readonly tlsHosts: readonly HostSpec[];
  /** Drops every frame between two hosts on the simulated link (nftables in the switch). */
  partition(hostA: string, hostB: string): Promise<void>;
  heal(): Promise<void>;
  /** PSS of all the engines (dockerd, containerd, shims), in MiB. */
  memoryMiB(): Promise<number>;
  /** Starts an sshd in `host`'s namespace on its address and `port`, whose sessions reach its engine. */
  startSshd(host: string, port: number): Promise<SimulatedSshd>;
  down(): Promise<void>;
}

/** Why simulated hosts cannot run here, or undefined when they can. */
export function simulatedHostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return "simulated hosts need root (network namespaces and a dockerd per host)";
  const dirs = (process.env["PATH"] ?? "").split(path.delimiter);
  if (!dirs.some((dir) => existsSync(path.join(dir, "dockerd")))) {
    return "simulated hosts need dockerd on PATH (a Docker Engine on this machine, not only a client)";
  }
  return undefined;
}

async function run(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("bash", [SCRIPT, ...args], { maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new SocklabError(
      "ERR_SIMULATED_HOSTS",
      `simulated-hosts.sh ${args.join(" ")} failed: ${stderr.trim()}`,
      {
        cause: error,
      },
    );
  }
}

/** Removes what an earlier (maybe killed) run left, then starts `count` hosts. */
export async function startSimulatedHosts(count: number): Promise<SimulatedHosts> {
  const unavailable = simulatedHostsUnavailable();
  if (unavailable) throw new SocklabError("ERR_SIMULATED_HOSTS", unavailable);
  await run("down");
  let hostsFile: string;
  let tlsHostsFile: string;
  try {
    // `up` prints the hosts file it wrote.
    hostsFile = await run("up", String(count));
    tlsHostsFile = await run("tls-hosts");
  } catch (error) {
    await run("down").catch(() => undefined);
    throw error;
  }
  const hosts = parseHostsFile(hostsFile, "simulated-hosts.sh up");
  const tlsHosts = parseHostsFile(tlsHostsFile, "simulated-hosts.sh tls-hosts");
  let downed: Promise<void> | undefined;
  const simulated: SimulatedHosts = {
    hosts,
    tlsHosts,
    async partition(hostA, hostB) {
      await run("partition", hostA, hostB);
    },
    async heal() {
      await run("heal");
    },
    async memoryMiB() {
      const total = /^total: (\d+) MiB$/m.exec(await run("memory"));
      return Number(total?.[1] ?? NaN);
    },
    async startSshd(host, port) {
      const dir = (await run("sshd", host, String(port))).trim();
      const address = hosts.find((spec) => spec.name === host)?.advertiseAddress ?? "";
      let stopped: Promise<void> | undefined;
      const sshd: SimulatedSshd = {
        dockerHost: `ssh://${os.userInfo().username}@${address}:${port}`,
        identityFile: path.join(dir, "id_ed25519"),
        knownHostsFile: path.join(dir, "known_hosts"),
        logFile: path.join(dir, "sshd.log"),
        stop() {
          stopped ??= run("sshd-stop", host).then(() => undefined);
          return stopped;
        },
        [Symbol.asyncDispose]: () => sshd.stop(),
      };
      return sshd;
    },
    down() {
      downed ??= run("down").then(() => undefined);
      return downed;
    },
    [Symbol.asyncDispose]: () => simulated.down(),
  };
  return simulated;
}
