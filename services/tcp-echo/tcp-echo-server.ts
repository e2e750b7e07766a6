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

/** RFC 862 echo over TCP: every byte back, in order, reading paused while the peer does not read. */
export async function startTcpEchoServer(options: TcpEchoOptions): Promise<TcpEchoServer> {
  const context: EchoServerContext = { options, open: new Set(), shuttingDown: false };
  // allowHalfOpen: a client may shut down its write side and still read every echoed byte.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (context.open.size >= options.maxConnections) {
      refuse(socket, options, context.open.size);
      return;
    }
    serveEcho(socket, context);
  });
  server.on("error", (error) => options.log("server-error", { message: error.message }));
  await listen(server, options.host, options.port);
  const address = server.address() as net.AddressInfo;
  return {
    address,
    listeningOn: formatEndpoint(address.address, address.port),
    connectionCount: () => context.open.size,
    close: (graceMs) => {
      context.shuttingDown = true;
      return closeServer(server, context.open, graceMs);
    },
  };
}

/** What every connection of one server shares. */
interface EchoServerContext {
  options: TcpEchoOptions;
  open: Set<net.Socket>;
  shuttingDown: boolean;
}

/** What a connection's close log line needs, kept on the socket itself: one small object each. */
interface EchoState {
  server: EchoServerContext;
  peer: string;
  openedAtMs: number;
  end: EchoEnd | undefined;
  errorCode: string | undefined;
}

const ECHO_STATE = Symbol("socklab.tcpEcho");
type EchoSocket = net.Socket & { [ECHO_STATE]: EchoState };

// The listeners are module functions that read their socket from `this`, shared by every
// connection: with thousands of idle connections, closures per connection cost more memory than
// the state they would hold.
function serveEcho(socket: net.Socket, server: EchoServerContext): void {
  const state: EchoState = {
    server,
    peer: formatEndpoint(socket.remoteAddress, socket.remotePort),
    openedAtMs: performance.now(),
    end: undefined,
    errorCode: undefined,
  };
  Object.assign(socket, { [ECHO_STATE]: state });
  server.open.add(socket);
  server.options.log("open", { peer: state.peer });
  if (server.options.idleTimeoutMs > 0) socket.setTimeout(server.options.idleTimeoutMs);
  socket.on("timeout", onTimeout);
  socket.on("end", onEnd);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.on("drain", onDrain);
  socket.on("data", echoChunk);
}

function echoChunk(this: EchoSocket, chunk: Buffer): void {
  // The peer is not reading what we echo: stop reading from it until the kernel takes more.
  if (!this.write(chunk)) this.pause();
}

function onDrain(this: EchoSocket): void {
  this.resume();
}

function onEnd(this: EchoSocket): void {
  this[ECHO_STATE].end ??= "fin";
  // Ends our side once every echoed byte is written.
  this.end();
}

function onTimeout(this: EchoSocket): void {
  this[ECHO_STATE].end ??= "timeout";
  this.destroy();
}

function onError(this: EchoSocket, error: NodeJS.ErrnoException): void {
  const state = this[ECHO_STATE];
  state.errorCode = error.code;
  state.end ??= error.code === "ECONNRESET" || error.code === "EPIPE" ? "rst" : "error";
}

function onClose(this: EchoSocket): void {
  const state = this[ECHO_STATE];
  state.server.open.delete(this);
  state.server.options.log("close", {
    peer: state.peer,
    end: state.server.shuttingDown ? "shutdown" : (state.end ?? "fin"),
    error: state.errorCode,
    bytesIn: this.bytesRead,
    bytesOut: this.bytesWritten,
    durationMs: Math.round(performance.now() - state.openedAtMs),
  });
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
    // Stop echoing first, so that bytes arriving during the grace period are not written after end;
    // the socket keeps flowing (and drops them), so the peer's FIN is still read.
    socket.off("data", echoChunk);
    socket.resume();
    socket.end();
  }
  const deadline = setTimeout(() => {
    for (const socket of open) socket.destroy();
  }, graceMs);
  await closed;
  clearTimeout(deadline);
}
