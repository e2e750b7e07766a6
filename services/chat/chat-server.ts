import net from "node:net";
import { DEFAULT_ROOM } from "../../protocol/chat/chat-limits.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { JsonLog } from "../runtime/json-log.ts";
import type { RunningService } from "../runtime/run-service.ts";
import { ChatConnection, type ConnectionSettings } from "./chat-connection.ts";
import { ChatHub } from "./chat-hub.ts";
import { formatIrcHost } from "./format-irc-host.ts";
import { TurnBatcher } from "./turn-batcher.ts";

export interface ChatServerOptions {
  /** `::` (dual stack) unless given. */
  host?: string;
  /** 6667 unless given; 0 picks a free port. */
  port?: number;
  /** The IRC server name in prefixes and numerics. */
  serverName?: string;
  /** Where plain-line users land after choosing a nick. */
  defaultRoom?: string;
  /** Connections open at once; one more is told `ERROR :... (Server full)` and closed. */
  maxConnections?: number;
  /** Bytes a client may leave unread in its outgoing queue before it is disconnected. */
  maxQueueBytes?: number;
  /** A connection that has no nick after this long is closed. */
  registrationTimeoutMs?: number;
  /** Silence after which a registered client is sent a PING (plain users: a `? ping` line). */
  pingIntervalMs?: number;
  /** Time to answer that PING with any line before being disconnected. */
  pingTimeoutMs?: number;
  /** Lines a client may send at once before the rate limit applies. */
  floodBurstLines?: number;
  /** Lines per second a client may send once the burst is spent. */
  floodLinesPerSecond?: number;
  /** Lines read but held back by the rate limit; one more disconnects the client (Excess Flood). */
  floodMaxWaitingLines?: number;
  /** How long a closing connection may take to flush its last line before it is destroyed. */
  closeGraceMs?: number;
  log?: JsonLog;
}

/** The figures the server runs with when not told otherwise. */
export const CHAT_SERVER_DEFAULTS = {
  host: "::",
  port: 6667,
  serverName: "socklab",
  defaultRoom: DEFAULT_ROOM,
  maxConnections: 2_000,
  maxQueueBytes: 64 * 1024,
  registrationTimeoutMs: 60_000,
  pingIntervalMs: 120_000,
  pingTimeoutMs: 60_000,
  floodBurstLines: 20,
  floodLinesPerSecond: 10,
  floodMaxWaitingLines: 100,
  closeGraceMs: 2_000,
} as const;

export interface ChatServer extends RunningService {
  readonly address: net.AddressInfo;
  /** Connections open right now, registered or not. */
  connectionCount(): number;
  /** Users with a nick right now. */
  memberCount(): number;
}

// The sweep checks every connection's timers at this period, bounded so short test timeouts still work.
const MAX_SWEEP_MS = 1_000;
const MIN_SWEEP_MS = 10;

/**
 * The chat service: one TCP port, plain lines and IRC, the same rooms. Resolves once listening.
 * Timeouts are checked by one sweep over all connections, never by a timer per connection.
 */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const config = { ...CHAT_SERVER_DEFAULTS, ...withoutUndefined(options) };
  const log = options.log ?? (() => undefined);
  const settings: ConnectionSettings = { ...config, createdAt: new Date(), log, batcher: new TurnBatcher() };
  const hub = new ChatHub();
  const connections = new Set<ChatConnection>();
  const sockets = new Set<net.Socket>();
  const allClosed = createWaiter(() => sockets.size === 0);

  // allowHalfOpen: after a client's FIN the server still answers the lines before it, then ends itself.
  const server = net.createServer({
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: 60_000,
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      allClosed.check();
    });
    if (connections.size >= config.maxConnections)
      return refuse(socket, config.maxConnections, config.closeGraceMs, log);
    const connection = new ChatConnection(socket, hub, settings, (closed) => {
      connections.delete(closed);
      logClose(log, closed);
    });
    connections.add(connection);
    log("open", { peer: connection.peer, connections: connections.size });
  });
  server.on("error", (error) => log("server-error", { message: error.message }));
  await listen(server, config.host, config.port);

  const sweepMs = Math.min(
    MAX_SWEEP_MS,
    Math.max(
      MIN_SWEEP_MS,
      Math.min(config.pingTimeoutMs, config.pingIntervalMs, config.registrationTimeoutMs) / 4,
    ),
  );
  const sweep = setInterval(() => {
    const nowMs = performance.now();
    for (const connection of connections) connection.checkTimers(nowMs);
  }, sweepMs);
  sweep.unref();

  const address = server.address() as net.AddressInfo;
  return {
    address,
    listeningOn: formatEndpoint(address.address, address.port),
    connectionCount: () => connections.size,
    memberCount: () => hub.memberCount,
    close: async (graceMs) => {
      clearInterval(sweep);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.close("Server shutting down", { announce: false });
      const deadline = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await allClosed.promise();
      clearTimeout(deadline);
      await serverClosed;
    },
  };
}

function logClose(log: JsonLog, connection: ChatConnection): void {
  log("close", {
    peer: connection.peer,
    nick: connection.registered ? connection.nick : undefined,
    mode: connection.mode,
    reason: connection.closeReason,
    linesIn: connection.linesIn,
    bytesIn: connection.socket.bytesRead,
    bytesOut: connection.socket.bytesWritten,
    durationMs: Math.round(connection.ageMs),
  });
}

// Told why in a line both a person and an IRC client can read, rather than reset without a word.
function refuse(socket: net.Socket, maxConnections: number, closeGraceMs: number, log: JsonLog): void {
  const peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
  const reason = `Server full: ${maxConnections} connections`;
  log("refused", { peer, reason });
  socket.on("error", () => socket.destroy());
  socket.end(
    serializeIrcMessage({
      command: "ERROR",
      params: [`Closing Link: ${formatIrcHost(socket.remoteAddress)} (${reason})`],
    }),
  );
  setTimeout(() => socket.destroy(), closeGraceMs).unref();
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => {
      reject(
        new SocklabError(
          "ERR_CHAT_LISTEN",
          `chat could not listen on ${formatEndpoint(host, port)}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen({ host, port, ipv6Only: false, backlog: 1_024 }, () => resolve());
  });
}

/** A promise that resolves once `condition` holds, re-checked whenever `check()` is called. */
function createWaiter(condition: () => boolean): { check(): void; promise(): Promise<void> } {
  const resolvers: (() => void)[] = [];
  const check = (): void => {
    if (condition()) for (const resolve of resolvers.splice(0)) resolve();
  };
  return {
    check,
    promise: () =>
      new Promise<void>((resolve) => {
        resolvers.push(resolve);
        check();
      }),
  };
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
