import { SocklabError } from "../../protocol/socklab-error.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";

/**
 * The PID of a service's server in its container: each service names its process after itself
 * (process.title), while docker-init is PID 1 and healthcheck runs are plain `node`.
 */
export async function findServicePid(lab: Lab, service: string): Promise<string> {
  const script = `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = ${service} ] && echo \${p#/proc/}; done; true`;
  const pid = (await lab.sh(service, script)).trim().split("\n")[0];
  if (!pid) throw new SocklabError("ERR_BENCH_PID", `no ${service} server process found in its container`);
  return pid;
}

/** A process's resident set in bytes, from /proc/<pid>/status (VmRSS, in KiB). */
export async function readRssBytes(lab: Lab, service: string, pid: string): Promise<number> {
  const kib = await lab.sh(service, `sed -n 's/^VmRSS:[^0-9]*\\([0-9]*\\).*/\\1/p' /proc/${pid}/status`);
  return Number(kib.trim()) * 1024;
}
