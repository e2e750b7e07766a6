import dgram from "node:dgram";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import type { JsonLog } from "../runtime/json-log.ts";
import type { RunningService } from "../runtime/run-service.ts";

export interface UdpEchoOptions {
  host: string;
  port: number;
  log: JsonLog;
  /** At most one error line per window, with a count of those left out: a flood cannot fill the log. */
  errorLogWindowMs?: number;
  /** Source ports whose datagrams are dropped unanswered; LOOP_SOURCE_PORTS by default. */
  droppedSourcePorts?: ReadonlySet<number>;
}

export interface UdpEchoStats {
  echoed: number;
  dropped: number;
  sendErrors: number;
}

export interface UdpEchoServer extends RunningService {
  readonly address: { address: string; port: number };
  stats(): UdpEchoStats;
}

// Datagrams from these source ports are dropped, not echoed: two echo (or chargen) services
// answering each other would loop forever (RFC 862's well-known amplification pair), and port 0
// cannot be answered at all.
export const LOOP_SOURCE_PORTS: ReadonlySet<number> = new Set([0, 7, 19]);

/** RFC 862 echo over UDP: each datagram back to its sender, unchanged, one for one. */
export async function startUdpEchoServer(options: UdpEchoOptions): Promise<UdpEchoServer> {
  // "::" (the default) serves IPv4 peers too, as v4-mapped addresses; an IPv4 host needs udp4.
  const socket = dgram.createSocket(
    options.host.includes(":") ? { type: "udp6", ipv6Only: false } : { type: "udp4" },
  );
  const stats: UdpEchoStats = { echoed: 0, dropped: 0, sendErrors: 0 };
  const logError = rateLimited(options.log, options.errorLogWindowMs ?? 1_000);
  const droppedSourcePorts = options.droppedSourcePorts ?? LOOP_SOURCE_PORTS;

  socket.on("message", (message, peer) => {
    if (droppedSourcePorts.has(peer.port)) {
      stats.dropped += 1;
      logError("dropped", { peer: formatEndpoint(peer.address, peer.port), reason: "loop-source-port" });
      return;
    }
    socket.send(message, peer.port, peer.address, (error) => {
      if (!error) {
        stats.echoed += 1;
        return;
      }
      stats.sendErrors += 1;
      logError("send-error", { peer: formatEndpoint(peer.address, peer.port), error: errorCode(error) });
    });
  });
  // ICMP errors and the like surface here on some kernels: log them and keep serving.
  socket.on("error", (error) => logError("socket-error", { error: errorCode(error) }));

  await bind(socket, options.host, options.port);
  const address = socket.address();
  return {
    address,
    listeningOn: formatEndpoint(address.address, address.port),
    stats: () => ({ ...stats }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function bind(socket: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address: host, port }, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}

function rateLimited(log: JsonLog, windowMs: number): JsonLog {
  let windowStart = -Infinity;
  let suppressed = 0;
  return (event, fields = {}) => {
    const now = performance.now();
    if (now - windowStart < windowMs) {
      suppressed += 1;
      return;
    }
    windowStart = now;
    log(event, suppressed > 0 ? { ...fields, suppressed } : fields);
    suppressed = 0;
  };
}
