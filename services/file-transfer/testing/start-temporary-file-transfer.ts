import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogFields } from "../../runtime/json-log.ts";
import {
  startFileTransferServer,
  type FileTransferServerOptions,
  type RunningFileTransferServer,
} from "../file-transfer-server.ts";

export interface TemporaryFileTransfer {
  server: RunningFileTransferServer;
  /** A fresh directory for the test's own files; the store is `store` inside it. */
  workDir: string;
  storeDir: string;
  /** Every line the server logged, in order. */
  logs: (LogFields & { event: string })[];
}

/**
 * A file-transfer server on 127.0.0.1 with a port of its own and a store in a fresh temporary
 * directory; `cleanups` gets what closes the server and removes the directory, in that order.
 */
export async function startTemporaryFileTransfer(
  cleanups: (() => Promise<unknown>)[],
  options: Partial<FileTransferServerOptions> = {},
): Promise<TemporaryFileTransfer> {
  const workDir = await mkdtemp(join(tmpdir(), "socklab-file-transfer-"));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const storeDir = join(workDir, "store");
  const logs: TemporaryFileTransfer["logs"] = [];
  const server = await startFileTransferOnStore(cleanups, storeDir, logs, options);
  return { server, workDir, storeDir, logs };
}

/** A server on 127.0.0.1 for an existing store (a restart, in a test), logging into `logs`. */
export async function startFileTransferOnStore(
  cleanups: (() => Promise<unknown>)[],
  storeDir: string,
  logs: TemporaryFileTransfer["logs"] = [],
  options: Partial<FileTransferServerOptions> = {},
): Promise<RunningFileTransferServer> {
  const server = await startFileTransferServer({
    storeDir,
    port: 0,
    host: "127.0.0.1",
    log: (event, fields = {}) => logs.push({ event, ...fields }),
    ...options,
  });
  cleanups.push(() => server.close(0));
  return server;
}
