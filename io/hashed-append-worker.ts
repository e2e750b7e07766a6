// A worker thread of WorkerSink (hashed-append-sink.ts): hashes a body and appends it to the partial
// file with blocking writes, so the receiver's event loop only reads the socket. Node builtins only:
// it is started from the .ts source and from the images' compiled .js alike.
import { createHash } from "node:crypto";
import { fdatasync, readSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

/** What the sink hands the worker at start. */
export interface SinkWorkerData {
  /** The partial file, open for appending; the sink closes it, never the worker. */
  fd: number;
  /** Bytes the partial held already: hashed first, so the digest covers the whole file. */
  heldBytes: number;
  syncEveryBytes: number;
  /** The worker says how far it has written each time this many more bytes are written. */
  reportEveryBytes: number;
}

/** Worker to sink: progress, the first failure, and the digest at the end. */
export type SinkWorkerMessage =
  | { kind: "written"; bytes: number }
  /** An fs error's fields, so that the receiver maps it as it would its own (ENOSPC to NO_SPACE). */
  | { kind: "failed"; code: string | undefined; syscall: string | undefined; message: string }
  | { kind: "finished"; sha256: string };

/** Sink to worker: a chunk to append, or the end of the body. */
export type SinkWorkerInput = Uint8Array | { kind: "finish" };

const PREFIX_READ_BYTES = 256 * 1024;

function runSinkWorker(port: NonNullable<typeof parentPort>, data: SinkWorkerData): void {
  const hash = createHash("sha256");
  let writtenBytes = 0;
  let reportedBytes = 0;
  let unsyncedBytes = 0;
  let syncing: Promise<void> | undefined;
  let failed = false;

  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ kind: "failed", code, syscall, message });
  };

  // One fdatasync at a time behind the writes: the disk works while bytes still arrive.
  const syncBehind = (): void => {
    if (unsyncedBytes < data.syncEveryBytes || syncing !== undefined) return;
    unsyncedBytes = 0;
    syncing = new Promise<void>((resolve) => {
      fdatasync(data.fd, (error) => {
        if (error) fail(error);
        syncing = undefined;
        resolve();
      });
    });
  };

  // Every chunk here has memory of its own (moved or copied in): freed now, not at a collection,
  // which this thread, allocating little, runs too seldom (client RSS reached 206 MiB so in the bench).
  const release = (chunk: Uint8Array): void => {
    if (chunk.buffer instanceof ArrayBuffer) chunk.buffer.transfer(0);
  };

  const report = (): void => {
    reportedBytes = writtenBytes;
    port.postMessage({ kind: "written", bytes: writtenBytes });
  };

  const append = (chunk: Uint8Array): void => {
    hash.update(chunk);
    for (let offset = 0; offset < chunk.length;) offset += writeSync(data.fd, chunk, offset);
    writtenBytes += chunk.length;
    unsyncedBytes += chunk.length;
    if (writtenBytes - reportedBytes >= data.reportEveryBytes) report();
    syncBehind();
  };

  try {
    const buffer = new Uint8Array(PREFIX_READ_BYTES);
    for (let done = 0; done < data.heldBytes;) {
      const bytesRead = readSync(data.fd, buffer, 0, Math.min(buffer.length, data.heldBytes - done), done);
      // As hashRange (hash-file.ts) says it: a partial shorter than it was is not hashed short.
      if (bytesRead === 0)
        throw Object.assign(new Error(`file ended after ${done} of ${data.heldBytes} bytes`), {
          code: "SIZE_MISMATCH",
        });
      hash.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  } catch (error) {
    fail(error);
  }

  port.on("message", (input: SinkWorkerInput) => {
    if (input instanceof Uint8Array) {
      try {
        if (!failed) append(input);
      } catch (error) {
        fail(error);
      }
      release(input);
      return;
    }
    void Promise.resolve(syncing).then(() => {
      report();
      port.postMessage({ kind: "finished", sha256: hash.digest("hex") });
      port.close();
    });
  });
}

if (parentPort !== null) runSinkWorker(parentPort, workerData as SinkWorkerData);
