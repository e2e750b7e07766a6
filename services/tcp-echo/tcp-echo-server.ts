import net from "node:net";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import type { JsonLog } from "../runtime/json-log.ts";
import type { RunningService } from "../runtime/run-service.ts";

export interface TcpEchoOptions {
  host: string;
  port: number;
  /** A connection with no traffic either way for this long is closed; 0 disables the timeout. */
  idleTimeoutMs: number;
  /** Connections beyond this many open at once are reset at once and logged as `limit`. */
  maxConnections: number;
  log: JsonLog;
}

/** How a connection ended, as its close log line says. */
export type EchoEnd = "fin" | "rst" | "timeout" | "limit" | "error" | "shutdown";

export interface TcpEchoServer extends RunningService {
  readonly address: net.AddressInfo;
  /** Connections open right now. */
  connectionCount(): number;
}

/** RFC 862 echo over TCP: every byte back, in order, with backpressure through `pipe`. */
export async function startTcpEchoServer(options: TcpEchoOptions): Promise<TcpEchoServer> {
  const open = new Set<net.Socket>();
  const shutdown = { started: false };
  // allowHalfOpen: a client may shut down its write side and still read every echoed byte.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (open.size >= options.maxConnections) {
      refuse(socket, options, open.size);
      return;
    }
    open.add(socket);
    serveEcho(
      socket,
      options,
      () => (shutdown.started ? "shutdown" : undefined),
      () => open.delete(socket),
    );
  });
  server.on("error", (error) => options.log("server-error", { message: error.message }));
  await listen(server, options.host, options.port);
  const address = server.address() as net.AddressInfo;
  return {
    address,
    listeningOn: formatEndpoint(address.address, address.port),
    connectionCount: () => open.size,
    close: (graceMs) => {
      shutdown.started = true;
      return closeServer(server, open, graceMs);
    },
  };
}

function serveEcho(
  socket: net.Socket,
  options: TcpEchoOptions,
  shutdownEnd: () => EchoEnd | undefined,
  forget: () => void,
): void {
  const peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
  const openedAt = performance.now();
  let end: EchoEnd | undefined;
  let errorCode: string | undefined;
  options.log("open", { peer });

  if (options.idleTimeoutMs > 0) socket.setTimeout(options.idleTimeoutMs);
  socket.on("timeout", () => {
    end ??= "timeout";
    socket.destroy();
  });
  socket.on("end", () => (end ??= "fin"));
  socket.on("error", (error: NodeJS.ErrnoException) => {
    errorCode = error.code;
    end ??= error.code === "ECONNRESET" || error.code === "EPIPE" ? "rst" : "error";
  });
  socket.on("close", () => {
    forget();
    options.log("close", {
      peer,
      end: shutdownEnd() ?? end ?? "fin",
      error: errorCode,
      bytesIn: socket.bytesRead,
      bytesOut: socket.bytesWritten,
      durationMs: Math.round(performance.now() - openedAt),
    });
  });
  // pipe pauses reading while the peer does not read our writes, so memory stays bounded, and
  // ends our side after the last echoed byte once the peer has sent FIN.
  socket.pipe(socket);
}

function refuse(socket: net.Socket, options: TcpEchoOptions, openCount: number): void {
  options.log("refused", {
    peer: formatEndpoint(socket.remoteAddress, socket.remotePort),
    end: "limit",
    open: openCount,
    maxConnections: options.maxConnections,
  });
  // A reset, not a FIN: the client learns at once that it was not served (ECONNRESET).
  socket.resetAndDestroy();
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, ipv6Only: false }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function closeServer(server: net.Server, open: Set<net.Socket>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of open) {
    // Stop echoing first, so that bytes arriving during the grace period are not written after end.
    socket.unpipe(socket);
    socket.end();
  }
  const deadline = setTimeout(() => {
    for (const socket of open) socket.destroy();
  }, graceMs);
  await closed;
  clearTimeout(deadline);
}
