import { createHash, type Hash } from "node:crypto";
import { open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { encodeFrame } from "../../protocol/file-transfer/encode-frame.ts";
import {
  FILE_TRANSFER_ERRORS,
  isFileTransferErrorCode,
} from "../../protocol/file-transfer/file-transfer-errors.ts";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import type {
  FileTransferOkReply,
  FileTransferOp,
  FileTransferRequest,
  ListedFile,
  StoredFileInfo,
} from "../../protocol/file-transfer/file-transfer-messages.ts";
import { FrameDecoder, type FrameEvent } from "../../protocol/file-transfer/frame-decoder.ts";
import { parseReply } from "../../protocol/file-transfer/parse-reply.ts";
import { isErrorCode, toErrorCode } from "../../protocol/error-codes.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { openHashedAppendSink, type HashedAppendSink } from "../../io/hashed-append-sink.ts";
import { hashFile, hashRange } from "../../io/hash-file.ts";
import { SocketChunkReader } from "./socket-chunk-reader.ts";

/** Codes this client raises itself; every other code it throws is the server's, from FILE_TRANSFER_ERRORS. */
export const FILE_TRANSFER_CLIENT_ERRORS = {
  ERR_CONNECT_TIMEOUT: "no connection within connectTimeoutMs",
  ERR_CONNECT_FAILED: "the connection was refused or failed",
  ERR_CONNECTION_CLOSED: "the connection ended before the reply (a body cut short keeps its local partial)",
  ERR_ABORTED: "the caller's AbortSignal fired; the connection is closed, partials stay for a resume",
  ERR_SOURCE_FAILED: "an upload source threw; the connection is closed, the server keeps what it got",
  ERR_REPLY_TIMEOUT: "a request saw no traffic for idleTimeoutMs",
  ERR_BAD_REPLY: "the server's reply breaks the protocol",
  HASH_MISMATCH: "a download does not have the SHA-256 the server announced; nothing is kept",
  ERR_SOURCE_TOO_SHORT: "an upload source ended before the size it announced",
} as const;

export interface FileTransferClientOptions {
  host: string;
  port: number;
  /** Default 5 000. */
  connectTimeoutMs?: number;
  /** How long a request may go without any traffic before it fails with REPLY_TIMEOUT; default 60 000. */
  idleTimeoutMs?: number;
  maxHeaderBytes?: number;
}

/** Called as bytes move: `doneBytes` counts bytes of the file held at the far end, resumed ones included. */
export type ProgressCallback = (doneBytes: number, totalBytes: number) => void;

/**
 * An upload that is not a file on disk: its length must be known before it is sent. With `sha256`
 * the hash goes in the put's header; without, the client hashes while it sends and sends it after.
 */
export interface PutStreamSource {
  stream: AsyncIterable<Uint8Array>;
  size: number;
  sha256?: string;
}

export interface TransferOptions {
  onProgress?: ProgressCallback;
  /** Aborting closes the connection (ABORTED); what reached the far end stays there for a resume. */
  signal?: AbortSignal;
}

export interface PutOptions extends TransferOptions {
  /**
   * Announce a file's SHA-256 in the put's header, the seeds' way: the file is read twice (hashed,
   * then sent). By default the client hashes while it sends and sends the hash in a trailer frame.
   */
  hashFirst?: boolean;
}

export interface PutResult {
  name: string;
  size: number;
  sha256: string;
  /** Bytes the server already held from an earlier, interrupted put. */
  resumedFromBytes: number;
  sentBytes: number;
}

export interface GetResult extends StoredFileInfo {
  path: string;
  /** Bytes a local partial from an earlier, interrupted get already held. */
  resumedFromBytes: number;
  receivedBytes: number;
}

type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const SERVER_SPOKE = Symbol("server spoke");

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const READ_CHUNK_BYTES = 256 * 1024;
/** A download starts flushing behind itself every this many bytes, so the fsync at its end finds little to write. */
const WRITE_BEHIND_SYNC_BYTES = 64 * 1024 * 1024;

/** Connects to a file-transfer server; fails with CONNECT_TIMEOUT or CONNECT_FAILED (cause attached). */
export async function connectFileTransfer(options: FileTransferClientOptions): Promise<FileTransferClient> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const where = `${options.host}:${options.port}`;
  const reader = new SocketChunkReader();
  const socket = connect({ host: options.host, port: options.port, noDelay: true, onread: reader.onread });
  reader.attach(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new SocklabError(
          "ERR_CONNECT_TIMEOUT",
          `no connection to file-transfer at ${where} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve();
    });
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(
        new SocklabError(
          "ERR_CONNECT_FAILED",
          `cannot connect to file-transfer at ${where}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    socket.once("error", onError);
  });
  return new FileTransferClient(socket, reader, options);
}

/**
 * One connection to a file-transfer server. Requests run one at a time, in call order. Uploads and
 * downloads stream in both directions with backpressure, resume where an earlier attempt stopped, and
 * are verified by SHA-256; a download appears at its path only whole (temp file + rename).
 */
export class FileTransferClient {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #chunks: SocketChunkReader;
  readonly #idleTimeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #broken: SocklabError | undefined;
  /** A socket read started while a body is being sent, so that a server that speaks up is heard at once. */
  #pendingRead: Promise<IteratorResult<Uint8Array>> | undefined;

  constructor(socket: Socket, chunks: SocketChunkReader, options: FileTransferClientOptions) {
    this.#socket = socket;
    this.#chunks = chunks;
    this.#decoder = new FrameDecoder({
      maxHeaderBytes: options.maxHeaderBytes ?? FILE_TRANSFER_LIMITS.maxHeaderBytes,
    });
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    socket.on("error", () => undefined); // surfaced through the reads and writes that fail
    socket.on("timeout", () => {
      socket.destroy(new SocklabError("ERR_REPLY_TIMEOUT", `no traffic for ${this.#idleTimeoutMs} ms`));
    });
  }

  /**
   * Uploads a file (a path, or a stream with its size) under `name`, resuming a partial the server
   * holds. A file is read once, hashed as it is sent, unless `hashFirst` asks for the seeds' way.
   */
  put(name: string, source: string | PutStreamSource, options: PutOptions = {}): Promise<PutResult> {
    return this.#exclusive(options.signal, async () => {
      if (typeof source !== "string") {
        const { size, sha256 } = source;
        return this.#putOnce(
          name,
          { size, sha256 },
          (offset, hash) => skipBytes(source.stream, offset, hash),
          options,
        );
      }
      const { size, sha256 } =
        options.hashFirst === true
          ? await hashFile(source)
          : { size: (await stat(source)).size, sha256: undefined };
      const openAt = (offset: number, hash: Hash | undefined): ByteSource =>
        readFileFrom(source, offset, size, hash);
      try {
        return await this.#putOnce(name, { size, sha256 }, openAt, options);
      } catch (error) {
        // The server drops a partial whose bytes fail the hash; from a file we can start over once.
        if (!(error instanceof ResumedHashMismatch)) throw error;
        return this.#putOnce(name, { size, sha256 }, openAt, options);
      }
    });
  }

  /** Deletes every partial upload of `name` the server holds; returns how many, and their bytes. */
  abandon(name: string): Promise<{ abandonedPartials: number; abandonedBytes: number }> {
    return this.#exclusive(undefined, async () => {
      const reply = await this.#roundTrip({ op: "abandon", id: this.#nextId++, name });
      if (reply.op !== "abandon") throw badReply("abandon", reply.op);
      return { abandonedPartials: reply.abandonedPartials, abandonedBytes: reply.abandonedBytes };
    });
  }

  /** Downloads `name` to `path`, resuming a local partial of the same content; `path` appears only when verified. */
  get(name: string, path: string, options: TransferOptions = {}): Promise<GetResult> {
    return this.#exclusive(options.signal, async () => {
      try {
        return await this.#getOnce(name, path, options);
      } catch (error) {
        // Replaced between our stat and get: fetch the new content.
        if (!(error instanceof SocklabError && error.code === "FILE_CHANGED")) throw error;
        return this.#getOnce(name, path, options);
      }
    });
  }

  /** Every stored file, in the server's order (UTF-8 bytes), following the pages of list replies. */
  list(): Promise<ListedFile[]> {
    return this.#exclusive(undefined, async () => {
      const files: ListedFile[] = [];
      for (let after: string | undefined, more = true; more;) {
        const id = this.#nextId++;
        const reply = await this.#roundTrip(
          after === undefined ? { op: "list", id } : { op: "list", id, after },
        );
        if (reply.op !== "list") throw badReply("list", reply.op);
        files.push(...reply.files);
        more = reply.more && reply.files.length > 0;
        after = reply.files.at(-1)?.name;
      }
      return files;
    });
  }

  stat(name: string): Promise<StoredFileInfo> {
    return this.#exclusive(undefined, () => this.#stat(name));
  }

  delete(name: string): Promise<void> {
    return this.#exclusive(undefined, async () => {
      const reply = await this.#roundTrip({ op: "delete", id: this.#nextId++, name });
      if (reply.op !== "delete") throw badReply("delete", reply.op);
    });
  }

  /** Waits for running requests, then closes the connection. */
  async close(): Promise<void> {
    await this.#queue;
    const socket = this.#socket;
    if (socket.destroyed) return;
    // We close first, so TIME_WAIT stays on this side; reading to EOF lets the server's FIN through.
    socket.end();
    socket.setTimeout(this.#idleTimeoutMs);
    try {
      while ((await this.#read()).done !== true);
    } catch {
      // Closing anyway.
    }
    socket.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * One put: announce, learn the resume offset, send the rest from `openAt(offset)`, read the verdict.
   * Without a sha256 up front, `openAt` feeds the skipped prefix to the hash, the body adds the rest,
   * and a trailer frame carries the digest.
   */
  async #putOnce(
    name: string,
    announced: { size: number; sha256: string | undefined },
    openAt: (offset: number, hash: Hash | undefined) => ByteSource,
    options: TransferOptions,
  ): Promise<PutResult> {
    const { size } = announced;
    const id = this.#nextId++;
    const request: FileTransferRequest =
      announced.sha256 === undefined
        ? { op: "put", id, name, size, trailer: true }
        : { op: "put", id, name, size, sha256: announced.sha256 };
    const ready = await this.#roundTrip(request);
    if (ready.op !== "put" || ready.status !== "ready") throw badReply("put ready", ready.op);
    const offset = ready.offset;
    if (offset > size)
      throw this.#breakWith(new SocklabError("ERR_BAD_REPLY", `resume offset ${offset} > size ${size}`));
    options.onProgress?.(offset, size);
    const hash = announced.sha256 === undefined ? createHash("sha256") : undefined;
    const sentBytes = await this.#sendBody(openAt(offset, hash), size - offset, hash, (sent) =>
      options.onProgress?.(offset + sent, size),
    );
    const sha256 = announced.sha256 ?? (hash as Hash).digest("hex");
    if (announced.sha256 === undefined) this.#socket.write(encodeFrame({ sha256 }));
    try {
      const stored = await this.#readReply(id, "put");
      if (stored.op !== "put" || stored.status !== "stored") throw badReply("put stored", stored.op);
      if (stored.sha256 !== sha256) throw badReply(`put stored with sha256 ${sha256}`, stored.sha256);
    } catch (error) {
      if (offset > 0 && error instanceof SocklabError && error.code === "HASH_MISMATCH") {
        throw new ResumedHashMismatch(error);
      }
      throw error;
    }
    return { name, size, sha256, resumedFromBytes: offset, sentBytes };
  }

  async #getOnce(name: string, path: string, options: TransferOptions): Promise<GetResult> {
    const info = await this.#stat(name);
    const partialPath = join(dirname(path), `.${basename(path)}.${info.sha256.slice(0, 16)}.partial`);
    const partial = await open(partialPath, "a+");
    let filled: { heldBytes: number; receivedBytes: number; sha256: string };
    try {
      filled = await this.#fillPartial(info, partial, options);
    } catch (error) {
      // A partial worth keeping is one with bytes in it: the next get resumes from it.
      const keptBytes = await partial.stat().then(
        (stats) => stats.size,
        () => 0,
      );
      await partial.close();
      if (keptBytes === 0) await unlink(partialPath).catch(() => undefined);
      throw error;
    }
    await partial.close();
    if (filled.sha256 !== info.sha256) {
      await unlink(partialPath);
      const got = filled.sha256;
      throw new SocklabError(
        "HASH_MISMATCH",
        `${name}: server announced sha256 ${info.sha256}, received ${got}`,
      );
    }
    await rename(partialPath, path);
    await syncDir(dirname(path));
    return { ...info, path, resumedFromBytes: filled.heldBytes, receivedBytes: filled.receivedBytes };
  }

  /** Completes the local partial: hashes what it holds, downloads the rest after it, syncs it. */
  async #fillPartial(
    info: StoredFileInfo,
    partial: FileHandle,
    options: TransferOptions,
  ): Promise<{ heldBytes: number; receivedBytes: number; sha256: string }> {
    let heldBytes = (await partial.stat()).size;
    if (heldBytes > info.size) {
      await partial.truncate(0);
      heldBytes = 0;
    }
    const sink = await openHashedAppendSink(partial, {
      heldBytes,
      bodyBytes: info.size - heldBytes,
      syncEveryBytes: WRITE_BEHIND_SYNC_BYTES,
    });
    let receivedBytes: number;
    let sha256: string;
    try {
      receivedBytes = await this.#download(info, heldBytes, sink, options);
      sha256 = await sink.finish();
    } catch (error) {
      // What was received stays in the partial, for a resume.
      await sink.stop();
      throw error;
    }
    await partial.sync();
    return { heldBytes, receivedBytes, sha256 };
  }

  async #download(
    info: StoredFileInfo,
    offset: number,
    sink: HashedAppendSink,
    options: TransferOptions,
  ): Promise<number> {
    const id = this.#nextId++;
    const request: FileTransferRequest = { op: "get", id, name: info.name, offset, sha256: info.sha256 };
    const reply = await this.#roundTrip(request);
    if (reply.op !== "get") throw badReply("get", reply.op);
    if (reply.offset !== offset || reply.size !== info.size) {
      throw this.#breakWith(
        new SocklabError("ERR_BAD_REPLY", `get reply for offset ${reply.offset} of ${reply.size}`),
      );
    }
    this.#decoder.expectBody(reply.size - offset);
    options.onProgress?.(offset, reply.size);
    let received = 0;
    this.#socket.setTimeout(this.#idleTimeoutMs);
    try {
      for (let event = await this.#nextEvent(); event.kind !== "bodyEnd"; event = await this.#nextEvent()) {
        if (event.kind !== "body")
          throw this.#breakWith(new SocklabError("ERR_BAD_REPLY", `${event.kind} inside a body`));
        // Counted first: the sink may take the chunk's memory.
        received += event.chunk.length;
        await sink.write(event.chunk);
        options.onProgress?.(offset + received, reply.size);
      }
    } finally {
      this.#socket.setTimeout(0);
    }
    return received;
  }

  async #stat(name: string): Promise<StoredFileInfo> {
    const reply = await this.#roundTrip({ op: "stat", id: this.#nextId++, name });
    if (reply.op !== "stat") throw badReply("stat", reply.op);
    return { name: reply.name, size: reply.size, sha256: reply.sha256, modifiedMs: reply.modifiedMs };
  }

  /** Sends one request and reads its reply; an error reply is thrown as a SocklabError with the server's code. */
  async #roundTrip(request: FileTransferRequest): Promise<FileTransferOkReply> {
    if (this.#broken !== undefined) {
      throw new SocklabError("ERR_CONNECTION_CLOSED", `connection unusable: ${this.#broken.message}`, {
        cause: this.#broken,
      });
    }
    this.#socket.write(encodeFrame(request));
    await waitForDrain(this.#socket).catch((error: unknown) => {
      throw this.#breakWith(asSocklabError(error));
    });
    return this.#readReply(request.id, request.op);
  }

  async #readReply(id: string | number, op: FileTransferOp): Promise<FileTransferOkReply> {
    this.#socket.setTimeout(this.#idleTimeoutMs);
    try {
      const event = await this.#nextEvent();
      if (event.kind !== "header") {
        throw this.#breakWith(
          new SocklabError("ERR_BAD_REPLY", `expected a ${op} reply header; got ${event.kind}`),
        );
      }
      const reply = parseReply(event.header, op);
      if (!reply.ok) {
        const error = new SocklabError(toErrorCode(reply.code, "ERR_BAD_REPLY"), unknownCodeNamed(reply));
        const closes =
          isFileTransferErrorCode(reply.code) && FILE_TRANSFER_ERRORS[reply.code].closesConnection;
        throw closes ? this.#breakWith(error) : error;
      }
      if (reply.id !== id) {
        throw this.#breakWith(
          new SocklabError("ERR_BAD_REPLY", `reply id ${reply.id} does not match request ${id}`),
        );
      }
      return reply;
    } catch (error) {
      if (error instanceof SocklabError && error.code === "ERR_BAD_REPLY") throw this.#breakWith(error);
      throw error;
    } finally {
      this.#socket.setTimeout(0);
    }
  }

  /**
   * Sends exactly `bytes` bytes from `source`, waiting for the socket to drain. A source that fails or
   * ends early leaves the stream out of step, so the connection closes (the server keeps what it got).
   */
  async #sendBody(
    source: ByteSource,
    bytes: number,
    hash: Hash | undefined,
    onSent: (sent: number) => void,
  ): Promise<number> {
    if (bytes === 0) return 0;
    const chunks = iterate(source);
    const unlessServerSpeaks = this.#watchServer();
    let sent = 0;
    this.#socket.setTimeout(this.#idleTimeoutMs);
    // One socket write outstanding while the source reads the next chunk; a chunk is written before
    // the one two after it is asked for, so a source may reuse its memory then (readFileFrom does).
    let writing: Promise<void> = Promise.resolve();
    try {
      while (sent < bytes) {
        const next = await this.#nextSourceChunk(unlessServerSpeaks(chunks.next()), sent);
        if (next.done === true) break;
        const part = next.value.subarray(0, bytes - sent);
        hash?.update(part);
        await writing;
        writing = this.#writeBody(part);
        sent += part.length;
        onSent(sent);
      }
      await writing;
    } finally {
      this.#socket.setTimeout(0);
      chunks.return(undefined).catch(() => undefined);
    }
    if (sent < bytes) {
      throw this.#breakWith(
        new SocklabError("ERR_SOURCE_TOO_SHORT", `source ended after ${sent} of ${bytes} bytes`),
      );
    }
    return sent;
  }

  /** Resolves when the socket has handed `part` to the kernel; a failure says why the server ended it, if it did. */
  #writeBody(part: Uint8Array): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.#socket.write(part, (error) => (error ? reject(asSocklabError(error)) : resolve()));
    }).catch(async (error: unknown) => {
      throw await this.#explainLoss(asSocklabError(error));
    });
    // Awaited on the next chunk; marked handled now, so a failure while the source reads is not "unhandled".
    written.catch(() => undefined);
    return written;
  }

  /**
   * The source's next chunk, unless the server speaks first: during a body it only ever sends a last
   * error (IDLE_TIMEOUT, UPLOAD_SUPERSEDED, ...) or closes, and a slow source must not hide that.
   */
  async #nextSourceChunk(
    pending: Promise<IteratorResult<Uint8Array> | typeof SERVER_SPOKE>,
    sent: number,
  ): Promise<IteratorResult<Uint8Array>> {
    let next: IteratorResult<Uint8Array> | typeof SERVER_SPOKE;
    try {
      next = await pending;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const failure = new SocklabError(
        "ERR_SOURCE_FAILED",
        `upload source failed after ${sent} bytes: ${why}`,
        {
          cause: error,
        },
      );
      throw this.#breakWith(failure);
    }
    if (next === SERVER_SPOKE) {
      const lost = new SocklabError(
        "ERR_CONNECTION_CLOSED",
        `the server ended the upload after ${sent} body bytes`,
      );
      throw await this.#explainLoss(lost);
    }
    return next;
  }

  /** A write failed: if the server said why before closing (IDLE_TIMEOUT, UPLOAD_SUPERSEDED, ...), that is the error. */
  async #explainLoss(error: SocklabError): Promise<SocklabError> {
    try {
      const event = await this.#nextEvent();
      if (
        event.kind === "header" &&
        event.header["ok"] === false &&
        typeof event.header["code"] === "string"
      ) {
        return this.#breakWith(
          new SocklabError(
            toErrorCode(event.header["code"], "ERR_BAD_REPLY"),
            String(event.header["message"]),
            {
              cause: error,
            },
          ),
        );
      }
    } catch {
      // Nothing more to read: the write error is the best explanation.
    }
    return this.#breakWith(error);
  }

  async #nextEvent(): Promise<FrameEvent> {
    for (;;) {
      const event = this.#decoder.next();
      if (event !== undefined) return event;
      let result: IteratorResult<Uint8Array>;
      try {
        result = await this.#read();
      } catch (error) {
        throw this.#breakWith(asSocklabError(error));
      }
      if (result.done === true) {
        const end = this.#decoder.end();
        const why = end.clean ? "the server closed the connection" : end.message;
        throw this.#breakWith(new SocklabError("ERR_CONNECTION_CLOSED", why));
      }
      this.#decoder.append(result.value);
    }
  }

  /**
   * Returns a wrapper that settles like the promise it is given, or with SERVER_SPOKE as soon as the
   * server sends anything or closes. One reaction on the socket read for a whole body, not one per
   * chunk (a Promise.race per chunk against one long-lived promise would pile reactions up on it).
   */
  #watchServer(): <T>(work: Promise<T>) => Promise<T | typeof SERVER_SPOKE> {
    let spoke = false;
    let wake: (() => void) | undefined;
    const onSpoke = (): void => {
      spoke = true;
      wake?.();
    };
    this.#peekRead().then(onSpoke, onSpoke);
    return <T>(work: Promise<T>) =>
      new Promise<T | typeof SERVER_SPOKE>((resolve, reject) => {
        if (spoke) resolve(SERVER_SPOKE);
        wake = () => resolve(SERVER_SPOKE);
        work.then(resolve, reject);
      });
  }

  #read(): Promise<IteratorResult<Uint8Array>> {
    const read = this.#pendingRead ?? this.#chunks.next();
    this.#pendingRead = undefined;
    return read;
  }

  /** Starts (or reuses) the next socket read without consuming it; #read hands it out later. */
  #peekRead(): Promise<IteratorResult<Uint8Array>> {
    this.#pendingRead ??= this.#chunks.next();
    return this.#pendingRead;
  }

  /** Marks the connection unusable (the stream is out of step or gone), closes it, and returns the error to throw. */
  #breakWith(error: SocklabError): SocklabError {
    this.#broken ??= error;
    this.#socket.destroy();
    return error;
  }

  /** Runs `work` after the requests before it; an abort destroys the connection, which fails whatever is waiting. */
  #exclusive<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const onAbort = (): void => {
        this.#breakWith(new SocklabError("ERR_ABORTED", "the transfer was aborted"));
        this.#socket.destroy();
      };
      if (isAborted(signal))
        throw new SocklabError("ERR_ABORTED", "the transfer was aborted before it started");
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        return await work();
      } catch (error) {
        if (isAborted(signal))
          throw new SocklabError("ERR_ABORTED", "the transfer was aborted", { cause: error });
        throw error;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    };
    const result = this.#queue.then(run);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** Thrown inside put only: a resumed upload failed its hash, and the server has dropped the partial. */
class ResumedHashMismatch extends SocklabError {
  constructor(cause: SocklabError) {
    super("HASH_MISMATCH", cause.message, { cause });
  }
}

async function* iterate(source: ByteSource): AsyncGenerator<Uint8Array> {
  yield* source;
}

/** The stream after its first `bytes` bytes; the skipped ones still go into `hash`, which covers the whole file. */
async function* skipBytes(
  source: AsyncIterable<Uint8Array>,
  bytes: number,
  hash: Hash | undefined,
): AsyncGenerator<Uint8Array> {
  let skipped = 0;
  for await (const chunk of source) {
    if (skipped >= bytes) {
      yield chunk;
      continue;
    }
    const rest = chunk.subarray(bytes - skipped);
    hash?.update(chunk.subarray(0, chunk.length - rest.length));
    skipped += chunk.length - rest.length;
    if (rest.length > 0) yield rest;
  }
}

/**
 * A file from `offset` to `size`; its first `offset` bytes, which the server holds, are only hashed.
 * Two buffers take turns, so an upload makes no garbage the size of the file: a chunk's buffer is
 * read into again when the chunk two after it is asked for, by which time #sendBody has waited for
 * the socket to take it.
 */
async function* readFileFrom(
  path: string,
  offset: number,
  size: number,
  hash: Hash | undefined,
): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  try {
    if (hash !== undefined && offset > 0) await hashRange(handle, offset, hash);
    const buffers = [new Uint8Array(READ_CHUNK_BYTES), new Uint8Array(READ_CHUNK_BYTES)];
    for (let position = offset, turn = 0; position < size; turn += 1) {
      const buffer = buffers[turn % 2] as Uint8Array;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function waitForDrain(stream: Writable): Promise<void> {
  if (stream.destroyed)
    return Promise.reject(new SocklabError("ERR_CONNECTION_CLOSED", "the connection is closed"));
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: SocklabError): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    const onClose = (): void =>
      settle(new SocklabError("ERR_CONNECTION_CLOSED", "the connection closed while sending"));
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}

/** A function, not `signal.aborted` inline: the flag changes while we await. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function asSocklabError(error: unknown): SocklabError {
  if (error instanceof SocklabError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SocklabError("ERR_CONNECTION_CLOSED", `connection lost: ${message}`, { cause: error });
}

function badReply(expected: string, got: string): SocklabError {
  return new SocklabError("ERR_BAD_REPLY", `expected a ${expected} reply; got ${got}`);
}

// A code this client does not know (a newer server) is kept in the message, under ERR_BAD_REPLY.
function unknownCodeNamed(reply: { code: string; message: string }): string {
  return isErrorCode(reply.code) ? reply.message : `${reply.code}: ${reply.message}`;
}
