import type { Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { hashRange } from "./hash-file.ts";
import type { SinkWorkerData, SinkWorkerInput, SinkWorkerMessage } from "./hashed-append-worker.ts";

/**
 * Where a transfer's body goes at the receiving end (the server's upload, the client's download):
 * hashed (the bytes the partial held first included) and appended to the partial file, with an
 * fdatasync started behind every `syncEveryBytes` so that the final fsync finds little left. The
 * caller still fsyncs and closes the file.
 */
export interface HashedAppendSink {
  /**
   * Takes `chunk`, which the caller must not use afterwards (a worker may take its memory); resolves
   * when there is room for more, and rejects with the first write or sync failure. One call at a
   * time: await each before the next.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Waits until every byte is written; the SHA-256 of the whole partial, or the first failure. */
  finish(): Promise<string>;
  /** After a failed transfer: waits until what was received is in the partial (kept for a resume). */
  stop(): Promise<void>;
}

export interface HashedAppendSinkOptions {
  /** Bytes the partial held already: hashed first, so that the digest covers the whole file. */
  heldBytes: number;
  /** Bytes still to come: a body this large gets a worker thread. */
  bodyBytes: number;
  syncEveryBytes: number;
}

/** From this size on, a worker thread hashes and writes the body; below it, starting one costs more than it saves. */
export const WORKER_MIN_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Worker sinks alive at once in this process, at most: each thread costs about 18 MiB, and two
 * cores gain nothing from a third. A body that finds them all busy is written on the event loop.
 */
export const MAX_WORKER_SINKS = 2;
/** A worker sink makes `write` wait once this many bytes are handed over and not yet written. */
const MAX_UNWRITTEN_BYTES = 8 * 1024 * 1024;
const WORKER_REPORT_EVERY_BYTES = 1024 * 1024;

export async function openHashedAppendSink(
  partial: FileHandle,
  options: HashedAppendSinkOptions,
): Promise<HashedAppendSink> {
  if (options.bodyBytes >= WORKER_MIN_BODY_BYTES && WorkerSink.alive < MAX_WORKER_SINKS)
    return new WorkerSink(partial.fd, options);
  return new InlineSink(partial, await hashRange(partial, options.heldBytes), options.syncEveryBytes);
}

/**
 * On the event loop: each chunk's write runs on libuv's thread pool while this thread hashes it, and
 * `write` resolves when the write is done.
 */
export class InlineSink implements HashedAppendSink {
  readonly #partial: FileHandle;
  readonly #hash: Hash;
  readonly #syncEveryBytes: number;
  #unsyncedBytes = 0;
  #syncing: Promise<void> | undefined;
  #failure: Error | undefined;

  constructor(partial: FileHandle, hash: Hash, syncEveryBytes: number) {
    this.#partial = partial;
    this.#hash = hash;
    this.#syncEveryBytes = syncEveryBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    const written = appendAll(this.#partial, chunk);
    this.#hash.update(chunk);
    await written;
    this.#unsyncedBytes += chunk.length;
    if (this.#unsyncedBytes < this.#syncEveryBytes || this.#syncing !== undefined) return;
    this.#unsyncedBytes = 0;
    // A write-back error is reported to one sync only: kept, so that the final fsync cannot miss it.
    this.#syncing = this.#partial
      .datasync()
      .catch((error: unknown) => {
        this.#failure ??= asError(error);
      })
      .finally(() => (this.#syncing = undefined));
  }

  async finish(): Promise<string> {
    await this.#syncing;
    this.#throwIfFailed();
    return this.#hash.digest("hex");
  }

  async stop(): Promise<void> {
    await this.#syncing;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/**
 * Off the event loop: a worker thread hashes each chunk and appends it with a blocking write (no
 * thread-pool round trip per chunk), so the event loop only reads the socket and the second core
 * does the rest. A chunk that owns its memory (a whole socket read) is moved to the worker, not copied.
 */
export class WorkerSink implements HashedAppendSink {
  static #alive = 0;
  readonly #worker: Worker;
  readonly #finished: Promise<string>;
  readonly #exited: Promise<void>;
  #handedBytes = 0;
  #writtenBytes = 0;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #ended = false;
  #done = false;

  constructor(fd: number, options: Omit<HashedAppendSinkOptions, "bodyBytes">) {
    const workerData: SinkWorkerData = {
      fd,
      heldBytes: options.heldBytes,
      syncEveryBytes: options.syncEveryBytes,
      reportEveryBytes: WORKER_REPORT_EVERY_BYTES,
    };
    // The worker's file is beside this one: .ts from the sources, .js in the images' compiled copy.
    const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
    this.#worker = new Worker(new URL(`./hashed-append-worker.${extension}`, import.meta.url), {
      workerData,
      // A worker inherits node's flags, and --input-type (a client run by `node -e`) refuses a file.
      execArgv: process.execArgv.filter((flag) => !flag.startsWith("--input-type")),
    });
    WorkerSink.#alive += 1;
    this.#exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    this.#finished = new Promise<string>((resolve, reject) => {
      this.#worker.on("message", (message: SinkWorkerMessage) => {
        if (message.kind === "written") this.#writtenBytes = message.bytes;
        if (message.kind === "failed") this.#failure ??= fsError(message);
        if (message.kind === "finished") {
          this.#done = true;
          resolve(message.sha256);
        }
        this.#wake?.();
      });
      this.#worker.on("error", (error: unknown) => {
        const failure = asError(error);
        this.#failure ??= failure;
        reject(failure);
        this.#wake?.();
      });
      this.#worker.on("exit", (code) => {
        WorkerSink.#alive -= 1;
        if (this.#done) return;
        const early = new Error(`the writer thread exited (code ${code}) before the end`);
        this.#failure ??= early;
        reject(early);
        this.#wake?.();
      });
    });
    this.#finished.catch(() => undefined); // awaited by finish or stop; failures also reach write
  }

  /** Worker sinks whose thread has not exited yet, in this process. */
  static get alive(): number {
    return WorkerSink.#alive;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    this.#handedBytes += chunk.length;
    const ownsMemory = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const input: SinkWorkerInput = chunk;
    if (ownsMemory && chunk.buffer instanceof ArrayBuffer) this.#worker.postMessage(input, [chunk.buffer]);
    else this.#worker.postMessage(input);
    while (this.#handedBytes - this.#writtenBytes > MAX_UNWRITTEN_BYTES && this.#failure === undefined) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    this.#throwIfFailed();
  }

  /** Resolves once the thread is gone, with every byte written. */
  async finish(): Promise<string> {
    const sha256 = await this.#end();
    await this.#exited;
    this.#throwIfFailed();
    return sha256;
  }

  async stop(): Promise<void> {
    await this.#end().catch(() => undefined);
    await this.#exited;
  }

  #end(): Promise<string> {
    if (!this.#ended) {
      this.#ended = true;
      const finish: SinkWorkerInput = { kind: "finish" };
      this.#worker.postMessage(finish);
    }
    return this.#finished;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

async function appendAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let written = 0; written < chunk.length;) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
    written += bytesWritten;
  }
}

/** The worker's failure as the fs error it was: message, code and syscall. */
function fsError(failed: Extract<SinkWorkerMessage, { kind: "failed" }>): Error {
  const error: NodeJS.ErrnoException = new Error(failed.message);
  if (failed.code !== undefined) error.code = failed.code;
  if (failed.syscall !== undefined) error.syscall = failed.syscall;
  return error;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
