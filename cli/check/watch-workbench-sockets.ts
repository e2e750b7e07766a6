import { execFile } from "node:child_process";
import { lookup } from "node:dns/promises";
import { setTimeout as pause } from "node:timers/promises";
import { promisify } from "node:util";
import { CheckFailure } from "./check-failure.ts";
import { parseSsTcp, type SsTcpSocket } from "./parse-ss-tcp.ts";

const execFileAsync = promisify(execFile);
// Often enough to see each RTO doubling (the first ones are 200 ms apart) and each keepalive probe.
const POLL_MS = 100;

/** Where a check reads the sockets toward a host and port: the workbench's kernel, or a test's script. */
export type SocketsTo = (host: string, port: number) => Promise<SsTcpSocket[]>;

/** Where a check watches: the host and port of the lab's service, and a reader of its established connections. */
export interface WatchedTarget {
  /** `host:port`, for messages. */
  where: string;
  readEstablished: () => Promise<SsTcpSocket[]>;
}

/** The learner's --host and --port, or the exercise's service and port; connections in ESTAB only. */
export function watchedTarget(
  options: { host?: string; port?: number },
  defaults: { host: string; port: number },
  socketsTo: SocketsTo,
): WatchedTarget {
  const host = options.host ?? defaults.host;
  const port = options.port ?? defaults.port;
  return {
    where: `${host}:${port}`,
    readEstablished: () => socketsTo(host, port).then((all) => all.filter((s) => s.state === "ESTABLISHED")),
  };
}

/** The workbench's TCP sockets toward `host`:`port`, as its kernel reports them now (`ss -tinopHO`). */
export async function workbenchSocketsTo(host: string, port: number): Promise<SsTcpSocket[]> {
  const addresses = await hostAddresses(host);
  const { stdout } = await execFileAsync("ss", ["-tinopHO", "dport", "=", `:${port}`]);
  return parseSsTcp(stdout).filter((s) => s.remotePort === port && addresses.has(s.remoteAddress));
}

const addressesByHost = new Map<string, Set<string>>();

async function hostAddresses(host: string): Promise<Set<string>> {
  const known = addressesByHost.get(host);
  if (known) return known;
  const found = await lookup(host, { all: true }).then(
    (all) => new Set(all.map((a) => a.address)),
    (error: unknown) => {
      throw new CheckFailure(`${host} is no name in the lab`, "--host: a service of the lab, e.g. tcp-echo", {
        cause: error,
      });
    },
  );
  addressesByHost.set(host, found);
  return found;
}

/**
 * Reads the sockets every POLL_MS until `seen` returns a result, or `timeoutMs` has passed
 * (undefined then): each sample is handed over with the time since the watch began.
 */
export async function watchSockets<T>(
  read: () => Promise<SsTcpSocket[]>,
  seen: (sockets: SsTcpSocket[], elapsedMs: number) => T | undefined,
  timeoutMs: number,
): Promise<T | undefined> {
  const start = performance.now();
  for (;;) {
    const elapsedMs = performance.now() - start;
    const result = seen(await read(), elapsedMs);
    if (result !== undefined) return result;
    if (elapsedMs >= timeoutMs) return undefined;
    await pause(POLL_MS);
  }
}
