import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { encodeFrame } from "../../protocol/file-transfer/encode-frame.ts";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import { createJsonLog, type JsonLog } from "../runtime/json-log.ts";
import type { RunningService } from "../runtime/run-service.ts";
import { FileStore } from "./file-store.ts";
import { type ConnectionLimits, FileTransferConnection } from "./file-transfer-connection.ts";
import { UploadRegistry } from "./upload-registry.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export const FILE_TRANSFER_DEFAULTS = {
  port: 9000,
  host: "::",
  storeDir: "/data",
  maxFileBytes: 16 * GIB,
  minFreeBytes: 64 * MIB,
  partialTtlMs: 24 * 60 * 60 * 1000,
  idleTimeoutMs: 60_000,
  headerTimeoutMs: 10_000,
  maxConnections: 64,
  lingerMs: 2_000,
} as const;

export interface FileTransferServerOptions {
  storeDir: string;
  /** 0 picks a free port (tests); the lab uses 9000. */
  port?: number;
  host?: string;
  log?: JsonLog;
  maxFileBytes?: number;
  minFreeBytes?: number;
  /** A partial untouched this long is deleted; a resume after that starts from byte 0. */
  partialTtlMs?: number;
  /** How often expired partials are looked for; defaults to min(partialTtlMs, 10 min), at least 1 s. */
  partialSweepIntervalMs?: number;
  idleTimeoutMs?: number;
  /** From a request header's first byte to its last (HEADER_TIMEOUT); 10 s by default. */
  headerTimeoutMs?: number;
  maxConnections?: number;
  maxHeaderBytes?: number;
  lingerMs?: number;
}

export interface RunningFileTransferServer extends RunningService {
  readonly address: AddressInfo;
  readonly storeDir: string;
  /** Deletes expired partials now (the server also does it on start and on a timer); returns their keys. */
  sweepPartials(): Promise<string[]>;
}

/**
 * Starts the file-transfer service: a TCP server whose store is a directory. Every connection is served
 * by its own FileTransferConnection; a bad one is answered, logged with its peer and closed, alone.
 */
export async function startFileTransferServer(
  options: FileTransferServerOptions,
): Promise<RunningFileTransferServer> {
  const log = options.log ?? createJsonLog("file-transfer");
  const store = await FileStore.open(options.storeDir);
  const uploads = new UploadRegistry();
  const limits: ConnectionLimits = {
    maxFileBytes: options.maxFileBytes ?? FILE_TRANSFER_DEFAULTS.maxFileBytes,
    minFreeBytes: options.minFreeBytes ?? FILE_TRANSFER_DEFAULTS.minFreeBytes,
    idleTimeoutMs: options.idleTimeoutMs ?? FILE_TRANSFER_DEFAULTS.idleTimeoutMs,
    headerTimeoutMs: options.headerTimeoutMs ?? FILE_TRANSFER_DEFAULTS.headerTimeoutMs,
    maxHeaderBytes: options.maxHeaderBytes ?? FILE_TRANSFER_LIMITS.maxHeaderBytes,
    lingerMs: options.lingerMs ?? FILE_TRANSFER_DEFAULTS.lingerMs,
  };
  const partialTtlMs = options.partialTtlMs ?? FILE_TRANSFER_DEFAULTS.partialTtlMs;
  const maxConnections = options.maxConnections ?? FILE_TRANSFER_DEFAULTS.maxConnections;
  const connections = new Set<FileTransferConnection>();
  const rejected = new Set<Socket>();
  let closing = false;

  const sweepPartials = async (): Promise<string[]> => {
    const removed = await store.sweepPartials(partialTtlMs, Date.now(), (key) => uploads.has(key));
    const metaRemoved = await store.sweepMeta();
    if (removed.length > 0 || metaRemoved > 0) {
      log("partials-swept", { partials: removed.length, meta: metaRemoved, partialTtlMs });
    }
    return removed;
  };
  await sweepPartials();

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (closing) {
      socket.destroy();
    } else if (connections.size >= maxConnections) {
      rejectConnection(socket, maxConnections, limits.lingerMs, rejected, log);
    } else {
      const connection = new FileTransferConnection(socket, { store, uploads, log, limits });
      connections.add(connection);
      void connection.done.finally(() => connections.delete(connection));
    }
  });
  server.on("error", (error) => log("server-error", { message: error.message }));
  const address = await listen(server, options.port ?? FILE_TRANSFER_DEFAULTS.port, options.host);

  const sweepIntervalMs = options.partialSweepIntervalMs ?? Math.max(1_000, Math.min(partialTtlMs, 600_000));
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepPartials()
      .catch((error: unknown) => log("sweep-failed", { message: String(error) }))
      .finally(() => (sweeping = false));
  }, sweepIntervalMs).unref();

  return {
    address,
    storeDir: store.dir,
    listeningOn: formatEndpoint(address.address, address.port),
    sweepPartials,
    async close(graceMs: number): Promise<void> {
      closing = true;
      clearInterval(sweeper);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.shutdown();
      const allDone = (): Promise<unknown> => Promise.all([...connections].map((c) => c.done));
      await withDeadline(allDone(), graceMs);
      for (const connection of connections) connection.destroy("server closed");
      for (const socket of rejected) socket.destroy();
      await allDone();
      await stopped;
    },
  };
}

function listen(server: Server, port: number, host: string | undefined): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: host ?? FILE_TRANSFER_DEFAULTS.host, ipv6Only: false }, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Over the limit: the client is told why (as data, with a code) instead of finding its connection reset. */
function rejectConnection(
  socket: Socket,
  maxConnections: number,
  lingerMs: number,
  rejected: Set<Socket>,
  log: JsonLog,
): void {
  const peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
  log("connection-rejected", { peer, code: "TOO_MANY_CONNECTIONS", maxConnections });
  rejected.add(socket);
  socket.on("error", () => undefined);
  socket.on("close", () => rejected.delete(socket));
  socket.setTimeout(lingerMs, () => socket.destroy());
  socket.resume();
  const message = `the server serves at most ${maxConnections} connections at once; try again later`;
  socket.end(encodeFrame({ id: null, ok: false, code: "TOO_MANY_CONNECTIONS", message }));
}

async function withDeadline(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
