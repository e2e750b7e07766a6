import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
import { encodeFrame } from "../../protocol/file-transfer/encode-frame.ts";
import {
  FILE_TRANSFER_ERRORS,
  type FileTransferErrorCode,
} from "../../protocol/file-transfer/file-transfer-errors.ts";
import type {
  AbandonRequest,
  DeleteRequest,
  ErrorReply,
  FileTransferOkReply,
  FileTransferRequest,
  GetRequest,
  ListedFile,
  ListReply,
  ListRequest,
  PutRequest,
  RequestId,
  StatRequest,
} from "../../protocol/file-transfer/file-transfer-messages.ts";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import {
  FrameDecoder,
  type FrameEvent,
  type FrameHeader,
} from "../../protocol/file-transfer/frame-decoder.ts";
import { parseRequest, parseTrailer } from "../../protocol/file-transfer/parse-request.ts";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { JsonLog, LogFields } from "../runtime/json-log.ts";
import type { FileStore, PartialFile } from "./file-store.ts";
import { toWireError } from "./to-wire-error.ts";
import type { UploadRegistry } from "./upload-registry.ts";
import { waitForDrain } from "./wait-for-drain.ts";
import { openHashedAppendSink, type HashedAppendSink } from "../../io/hashed-append-sink.ts";

export interface ConnectionLimits {
  maxFileBytes: number;
  /** Free bytes a put must leave on the store's filesystem. */
  minFreeBytes: number;
  idleTimeoutMs: number;
  /** From a request header's first byte to its last: a slowloris cannot hold a connection forever. */
  headerTimeoutMs: number;
  maxHeaderBytes: number;
  /** How long a closing connection waits for the peer to read our last reply and close. */
  lingerMs: number;
}

export interface ConnectionContext {
  store: FileStore;
  uploads: UploadRegistry;
  log: JsonLog;
  limits: ConnectionLimits;
}

interface ActiveUpload {
  request: PutRequest;
  /** From the put's header; undefined for a hash-after put, whose trailer frame carries it. */
  announcedSha256: string | undefined;
  /** The body is in, and the next frame is this put's trailer. */
  awaitingTrailer: boolean;
  partial: PartialFile;
  /** Hashes the body (after the partial's held bytes) and appends it, syncing behind the writes. */
  sink: HashedAppendSink;
  release: () => void;
  offset: number;
  receivedBytes: number;
  startedMs: number;
  /** A write failed: the rest of the body is read and dropped, so that the connection stays in step. */
  failure?: { code: FileTransferErrorCode; message: string };
}

/** A download's file reads: one thread-pool trip per MiB, not per 64 KiB (1.5x the send rate on loopback). */
const SEND_CHUNK_BYTES = 1024 * 1024;
/** An upload's bytes are flushed behind it in steps of this size (fsync at the end still makes it durable). */
const WRITE_BEHIND_SYNC_BYTES = 16 * 1024 * 1024;

/**
 * One client's connection: reads frames one at a time (socket reads pause while a request is served,
 * which is the backpressure for uploads), answers each request, and ends cleanly on any error.
 */
export class FileTransferConnection {
  readonly peer: string;
  readonly done: Promise<void>;
  readonly #socket: Socket;
  readonly #ctx: ConnectionContext;
  readonly #decoder: FrameDecoder;
  #upload: ActiveUpload | undefined;
  #busy = false;
  #inEvent = false;
  #shuttingDown = false;
  #ending = false;
  #endCode: FileTransferErrorCode | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #headerTimer: NodeJS.Timeout | undefined;
  #requests = 0;
  #closeReason = "peer closed";

  constructor(socket: Socket, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#decoder = new FrameDecoder({ maxHeaderBytes: ctx.limits.maxHeaderBytes });
    this.peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
    this.done = this.#run();
  }

  /** Ends the connection between requests: now if idle, else once the current request is answered. */
  shutdown(): void {
    this.#shuttingDown = true;
    if (!this.#busy) this.#closeWithError(null, "SHUTTING_DOWN", "the server is stopping");
  }

  destroy(reason: string): void {
    if (this.#socket.destroyed) return;
    this.#closeReason = reason;
    this.#socket.destroy();
  }

  async #run(): Promise<void> {
    const socket = this.#socket;
    socket.on("error", (error) => {
      this.#closeReason = `socket error: ${errorText(error)}`;
    });
    socket.setTimeout(this.#ctx.limits.idleTimeoutMs, () => this.#onIdle());
    this.#ctx.log("connection-open", { peer: this.peer });
    try {
      // Not destroyed at EOF: with allowHalfOpen the peer may still read our last reply.
      for await (const chunk of socket.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) {
        if (this.#isEnding()) continue; // closing: drop input until the peer closes too
        for (const event of this.#decoder.push(chunk)) {
          this.#inEvent = true;
          await this.#onEvent(event).finally(() => (this.#inEvent = false));
          if (this.#isEnding()) break;
        }
        if (this.#isEnding()) await this.#dropUpload();
        else this.#watchHeader();
      }
      if (!this.#isEnding()) await this.#onPeerEnd();
    } catch (error) {
      if (this.#closeReason === "peer closed") this.#closeReason = `read failed: ${errorText(error)}`;
    } finally {
      clearTimeout(this.#headerTimer);
      await this.#dropUpload();
      await this.#finish();
      this.#ctx.log("connection-close", {
        peer: this.peer,
        requests: this.#requests,
        reason: this.#closeReason,
      });
    }
  }

  /** Waits while the peer is slow to read our replies (so they cannot pile up); a closed socket ends the wait. */
  async #drained(): Promise<void> {
    await waitForDrain(this.#socket).catch(() => undefined);
  }

  /** A method, not the field: checks run between awaits, and the field may change while we wait. */
  #isEnding(): boolean {
    return this.#ending || this.#socket.destroyed;
  }

  async #onEvent(event: FrameEvent): Promise<void> {
    switch (event.kind) {
      case "header":
        clearTimeout(this.#headerTimer);
        this.#headerTimer = undefined;
        if (this.#upload?.awaitingTrailer === true) return this.#onTrailer(this.#upload, event.header);
        return this.#onHeader(event.header);
      case "invalid":
        if (this.#upload?.awaitingTrailer === true) {
          return this.#finishPut(this.#upload, { code: event.code, message: `trailer: ${event.message}` });
        }
        this.#requests += 1;
        this.#logOp({ id: null, op: undefined, code: event.code }, performance.now());
        this.#replyError(null, event.code, event.message);
        return this.#drained();
      case "fatal": {
        this.#closeReason = event.code;
        // Only a trailer can be framed this badly inside a put; the put's id says whose it was.
        const id = this.#upload?.awaitingTrailer === true ? this.#upload.request.id : null;
        this.#logOp({ id, op: undefined, code: event.code }, performance.now());
        return this.#closeWithError(id, event.code, event.message);
      }
      case "body":
        return this.#onBody(event.chunk);
      case "bodyEnd":
        return this.#onBodyEnd();
    }
  }

  async #onHeader(header: FrameHeader): Promise<void> {
    const startedMs = performance.now();
    this.#requests += 1;
    this.#busy = true;
    const parsed = parseRequest(header);
    if (parsed.ok) {
      await this.#serve(parsed.request, startedMs);
    } else {
      const op = typeof header["op"] === "string" ? header["op"].slice(0, 20) : undefined;
      this.#logOp({ id: parsed.id, op, code: parsed.code }, startedMs);
      this.#replyError(parsed.id, parsed.code, parsed.message);
    }
    this.#busy = this.#upload !== undefined;
    await this.#drained();
    if (this.#shuttingDown && !this.#busy)
      this.#closeWithError(null, "SHUTTING_DOWN", "the server is stopping");
  }

  async #serve(request: FileTransferRequest, startedMs: number): Promise<void> {
    try {
      const logged = await this.#dispatch(request);
      if (logged !== undefined) this.#logOp({ id: request.id, op: request.op, ...logged }, startedMs);
    } catch (error) {
      const wire = toWireError(error);
      // A failure in the middle of a body leaves the stream out of step: the connection is gone.
      const lost = this.#socket.destroyed;
      const fields: LogFields = {
        id: request.id,
        op: request.op,
        code: lost ? "CONNECTION_LOST" : wire.code,
      };
      if ("name" in request) fields["name"] = request.name;
      if (wire.unexpected !== undefined) fields["cause"] = errorText(wire.unexpected);
      this.#logOp(fields, startedMs);
      if (!lost) this.#replyError(request.id, wire.code, wire.message);
    }
  }

  /** Serves one request; returns the fields of its log line, or undefined when a later step logs it. */
  async #dispatch(request: FileTransferRequest): Promise<LogFields | undefined> {
    switch (request.op) {
      case "put":
        return this.#beginPut(request);
      case "get":
        return this.#get(request);
      case "list":
        return this.#list(request);
      case "stat":
        return this.#stat(request);
      case "delete":
        return this.#delete(request);
      case "abandon":
        return this.#abandon(request);
    }
  }

  async #beginPut(request: PutRequest): Promise<undefined> {
    const { store, uploads, limits } = this.#ctx;
    if (request.size > limits.maxFileBytes) {
      throw new SocklabError(
        "FILE_TOO_LARGE",
        `${request.name} is ${request.size} bytes; this server takes at most ${limits.maxFileBytes}`,
      );
    }
    const announcedSha256 = "sha256" in request ? request.sha256 : undefined;
    const key = store.partialKey(request.name, request.size, announcedSha256);
    const release = await uploads.acquire(
      key,
      (why) => this.#supersede(request.id, why),
      "a newer put of this name, size and sha256 took its partial over",
    );
    let partial: PartialFile | undefined;
    try {
      if (this.#ending || this.#socket.destroyed)
        throw new SocklabError("SHUTTING_DOWN", "connection is closing");
      partial = await store.openPartial(key, request.size);
      await this.#checkFreeSpace(request, request.size - partial.heldBytes);
      const sink = await openHashedAppendSink(partial.handle, {
        heldBytes: partial.heldBytes,
        bodyBytes: request.size - partial.heldBytes,
        syncEveryBytes: WRITE_BEHIND_SYNC_BYTES,
      });
      this.#upload = {
        request,
        announcedSha256,
        awaitingTrailer: false,
        partial,
        sink,
        release,
        offset: partial.heldBytes,
        receivedBytes: 0,
        startedMs: performance.now(),
      };
    } catch (error) {
      if (partial !== undefined) await store.keepPartial(partial).catch(() => undefined);
      release();
      throw error;
    }
    this.#write({ id: request.id, ok: true, op: "put", status: "ready", offset: partial.heldBytes });
    this.#decoder.expectBody(request.size - partial.heldBytes);
    return undefined;
  }

  async #checkFreeSpace(request: PutRequest, neededBytes: number): Promise<void> {
    const freeBytes = await this.#ctx.store.freeBytes();
    const { minFreeBytes } = this.#ctx.limits;
    if (freeBytes - neededBytes < minFreeBytes) {
      throw new SocklabError(
        "NO_SPACE",
        `${request.name} needs ${neededBytes} more bytes; the store has ${freeBytes} free and keeps ${minFreeBytes} spare`,
      );
    }
  }

  async #onBody(chunk: Uint8Array): Promise<void> {
    const upload = this.#upload;
    if (upload === undefined) return;
    upload.receivedBytes += chunk.length;
    if (upload.failure !== undefined) return;
    try {
      await upload.sink.write(chunk);
    } catch (error) {
      const wire = toWireError(error);
      upload.failure = { code: wire.code, message: wire.message };
    }
  }

  async #onBodyEnd(): Promise<void> {
    const upload = this.#upload;
    if (upload === undefined) return;
    if (upload.announcedSha256 === undefined) {
      upload.awaitingTrailer = true;
      return;
    }
    await this.#finishPut(upload, upload.announcedSha256);
  }

  /** The frame after a hash-after put's body: its sha256, or the reason it has none. */
  async #onTrailer(upload: ActiveUpload, header: FrameHeader): Promise<void> {
    const trailer = parseTrailer(header);
    await this.#finishPut(upload, trailer.ok ? trailer.trailer.sha256 : trailer);
  }

  /**
   * Checks the whole file against `expected` and stores it, or answers the put's error. A hash that
   * could not be read (a bad trailer) keeps the partial: its bytes may be fine, and a resume sends none.
   */
  async #finishPut(
    upload: ActiveUpload,
    expected: string | { code: FileTransferErrorCode; message: string },
  ): Promise<void> {
    this.#upload = undefined;
    const { request, partial } = upload;
    const fields: LogFields = {
      id: request.id,
      op: "put",
      name: request.name,
      size: request.size,
      hashIn: upload.announcedSha256 === undefined ? "trailer" : "header",
      offset: upload.offset,
      bytes: upload.receivedBytes,
    };
    try {
      if (typeof expected !== "string") throw new SocklabError(expected.code, expected.message);
      await this.#commit(upload, expected);
      this.#write({
        id: request.id,
        ok: true,
        op: "put",
        status: "stored",
        name: request.name,
        size: request.size,
        sha256: expected,
      });
      this.#logOp(fields, upload.startedMs);
    } catch (error) {
      // Its queued writes land before the partial is kept (a resume counts on them).
      await upload.sink.stop();
      await this.#ctx.store.keepPartial(partial).catch(() => undefined);
      const wire = toWireError(error);
      this.#logOp({ ...fields, code: wire.code, cause: errorText(wire.unexpected) }, upload.startedMs);
      this.#replyError(request.id, wire.code, wire.message);
    } finally {
      upload.release();
      this.#busy = false;
      if (this.#shuttingDown) this.#closeWithError(null, "SHUTTING_DOWN", "the server is stopping");
    }
  }

  async #commit(upload: ActiveUpload, expectedSha256: string): Promise<void> {
    const { store } = this.#ctx;
    const { request, partial } = upload;
    if (upload.failure !== undefined) throw new SocklabError(upload.failure.code, upload.failure.message);
    const sha256 = await upload.sink.finish();
    if (sha256 !== expectedSha256) {
      await store.discardPartial(partial);
      throw new SocklabError(
        "HASH_MISMATCH",
        `${request.name}: announced sha256 ${expectedSha256}, received ${sha256}; the partial is deleted`,
      );
    }
    await store.commit(partial, request.name, expectedSha256, request.size);
  }

  async #get(request: GetRequest): Promise<LogFields> {
    const file = await this.#ctx.store.openForRead(request.name);
    if (file === undefined) throw notFound(request.name);
    try {
      if (request.sha256 !== undefined && request.sha256 !== file.sha256) {
        throw new SocklabError(
          "FILE_CHANGED",
          `${request.name} now has sha256 ${file.sha256}, not ${request.sha256}`,
        );
      }
      if (request.offset > file.size) {
        throw new SocklabError(
          "BAD_OFFSET",
          `offset ${request.offset} is beyond ${request.name}'s ${file.size} bytes`,
        );
      }
      const { name, size, sha256, modifiedMs } = file;
      this.#write({
        id: request.id,
        ok: true,
        op: "get",
        name,
        size,
        sha256,
        modifiedMs,
        offset: request.offset,
      });
      await this.#sendBody(file.handle, request.offset, file.size - request.offset);
      return {
        name: request.name,
        size: file.size,
        offset: request.offset,
        bytes: file.size - request.offset,
      };
    } finally {
      await file.handle.close();
    }
  }

  /**
   * Streams a file's bytes in large reads, the next read running on the thread pool while a chunk goes
   * out, through two buffers reused for the whole body (a fresh one per read would be garbage the size
   * of the file); a failure here closes the connection.
   */
  async #sendBody(handle: PartialFile["handle"], start: number, bytes: number): Promise<void> {
    const buffers = [
      Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, bytes)),
      Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, bytes)),
    ];
    const readAt = (sent: number, buffer: Buffer): Promise<Uint8Array> =>
      readChunk(handle, buffer, start + sent, Math.min(buffer.length, bytes - sent));
    let next: Promise<Uint8Array> | undefined;
    let sending: Promise<void> = Promise.resolve();
    try {
      for (let sent = 0, turn = 0; sent < bytes; turn += 1) {
        const chunk = await (next ?? readAt(sent, buffers[turn % 2] as Buffer));
        if (chunk.length === 0)
          throw new SocklabError("IO_ERROR", `file ended after ${sent} of ${bytes} bytes`);
        sent += chunk.length;
        // The other buffer is free once the socket has taken its bytes.
        await sending;
        next = sent < bytes ? readAt(sent, buffers[(turn + 1) % 2] as Buffer) : undefined;
        sending = writeToSocket(this.#socket, chunk);
        // Awaited at the next turn; a peer gone while the next read runs must not reject it unwatched.
        sending.catch(() => undefined);
      }
      await sending;
    } catch (error) {
      next?.catch(() => undefined);
      sending.catch(() => undefined);
      this.destroy(`body failed: ${errorText(error)}`);
      throw error;
    }
  }

  async #list(request: ListRequest): Promise<LogFields> {
    const empty: ListReply = { id: request.id, ok: true, op: "list", files: [], more: true };
    const fits = listPageFits(Buffer.byteLength(JSON.stringify(empty)), this.#ctx.limits.maxHeaderBytes);
    const { files, more } = await this.#ctx.store.listPage(request.after, fits);
    this.#write({ ...empty, files, more });
    return { files: files.length, more };
  }

  async #stat(request: StatRequest): Promise<LogFields> {
    const info = await this.#ctx.store.stat(request.name);
    if (info === undefined) throw notFound(request.name);
    this.#write({ id: request.id, ok: true, op: "stat", ...info });
    return { name: request.name, size: info.size };
  }

  /** Deletes every partial of the name; an upload writing one is ended with UPLOAD_SUPERSEDED first. */
  async #abandon(request: AbandonRequest): Promise<LogFields> {
    const { store, uploads } = this.#ctx;
    let abandonedPartials = 0;
    let abandonedBytes = 0;
    for (const key of await store.partialKeysOf(request.name)) {
      const release = await uploads.acquire(
        key,
        () => undefined,
        "an abandon of its name deleted its partial",
      );
      try {
        const bytes = await store.deletePartial(key);
        abandonedPartials += 1;
        abandonedBytes += bytes;
      } finally {
        release();
      }
    }
    const { id, name } = request;
    this.#write({ id, ok: true, op: "abandon", name, abandonedPartials, abandonedBytes });
    return { name, partials: abandonedPartials, bytes: abandonedBytes };
  }

  async #delete(request: DeleteRequest): Promise<LogFields> {
    if (!(await this.#ctx.store.delete(request.name))) throw notFound(request.name);
    this.#write({ id: request.id, ok: true, op: "delete", name: request.name });
    return { name: request.name };
  }

  /** A newer put of the same partial, or an abandon, wants it: answer ours with an error and let the partial go. */
  #supersede(id: RequestId, why: string): void {
    this.#closeReason = "upload superseded";
    this.#closeWithError(id, "UPLOAD_SUPERSEDED", why);
    if (!this.#inEvent) void this.#dropUpload();
  }

  /** Starts the header clock when part of a header is buffered; a whole header stops it (in #onEvent). */
  #watchHeader(): void {
    if (this.#decoder.inBody || this.#decoder.bufferedBytes === 0) {
      clearTimeout(this.#headerTimer);
      this.#headerTimer = undefined;
      return;
    }
    this.#headerTimer ??= setTimeout(() => this.#onHeaderTimeout(), this.#ctx.limits.headerTimeoutMs);
  }

  #onHeaderTimeout(): void {
    this.#headerTimer = undefined;
    if (this.#isEnding()) return;
    this.#closeReason = "header timeout";
    // A trailer that trickles belongs to its put: the put's id, and its partial kept for a resume.
    const upload = this.#upload;
    if (upload === undefined)
      this.#logOp({ id: null, op: undefined, code: "HEADER_TIMEOUT" }, performance.now());
    const ms = this.#ctx.limits.headerTimeoutMs;
    const what = upload === undefined ? "a request header" : "the put's trailer";
    this.#closeWithError(
      upload?.request.id ?? null,
      "HEADER_TIMEOUT",
      `${what} took longer than ${ms} ms to arrive whole`,
    );
    if (!this.#inEvent) void this.#dropUpload();
  }

  #onIdle(): void {
    this.#closeReason = "idle timeout";
    // A peer that stops reading cannot be told anything more.
    if (this.#ending || this.#socket.writableNeedDrain) {
      this.#socket.destroy();
      return;
    }
    const id = this.#upload?.request.id ?? null;
    this.#closeWithError(id, "IDLE_TIMEOUT", `nothing arrived for ${this.#ctx.limits.idleTimeoutMs} ms`);
    if (!this.#inEvent) void this.#dropUpload();
  }

  /** The peer sent FIN: fine between frames, a truncation inside one (a put keeps what it got). */
  async #onPeerEnd(): Promise<void> {
    const decoded = this.#decoder.end();
    const upload = this.#upload;
    const end =
      decoded.clean && upload?.awaitingTrailer === true
        ? ({
            clean: false,
            code: "TRUNCATED_FRAME",
            message: "connection ended before the put's trailer",
          } as const)
        : decoded;
    if (end.clean) return;
    this.#closeReason = end.code;
    if (upload === undefined) this.#logOp({ id: null, op: undefined, code: end.code }, performance.now());
    // With allowHalfOpen the peer may still read: tell it why, then close.
    this.#closeWithError(upload?.request.id ?? null, end.code, end.message);
    await this.#dropUpload();
  }

  /** Keeps an unfinished upload's partial on disk for a resume, and frees its claim. */
  async #dropUpload(): Promise<void> {
    const upload = this.#upload;
    if (upload === undefined || this.#inEvent) return;
    this.#upload = undefined;
    try {
      await upload.sink.stop();
      await this.#ctx.store.keepPartial(upload.partial);
    } catch (error) {
      this.#ctx.log("partial-keep-failed", {
        peer: this.peer,
        name: upload.request.name,
        cause: errorText(error),
      });
    } finally {
      upload.release();
    }
    const { request } = upload;
    const code = this.#endCode ?? "TRUNCATED_BODY";
    const fields: LogFields = { id: request.id, op: "put", name: request.name, size: request.size, code };
    this.#logOp({ ...fields, offset: upload.offset, bytes: upload.receivedBytes }, upload.startedMs);
  }

  #write(reply: FileTransferOkReply | ErrorReply): void {
    if (this.#socket.writable) this.#socket.write(encodeFrame(reply, this.#ctx.limits.maxHeaderBytes));
  }

  #replyError(id: RequestId | null, code: FileTransferErrorCode, message: string): void {
    if (FILE_TRANSFER_ERRORS[code].closesConnection) {
      this.#closeWithError(id, code, message);
      return;
    }
    this.#write({ id, ok: false, code, message });
  }

  /** Sends a last error, half-closes, and from then on drops input until the peer closes or lingerMs pass. */
  #closeWithError(id: RequestId | null, code: FileTransferErrorCode, message: string): void {
    if (this.#ending) return;
    this.#write({ id, ok: false, code, message });
    this.#ending = true;
    this.#endCode = code;
    if (this.#socket.writable) this.#socket.end();
    this.#armLinger();
  }

  #armLinger(): void {
    this.#lingerTimer ??= setTimeout(() => this.#socket.destroy(), this.#ctx.limits.lingerMs).unref();
  }

  /** Flushes what is left to send, then waits (at most lingerMs) for the socket to close. */
  async #finish(): Promise<void> {
    const socket = this.#socket;
    if (!socket.destroyed) {
      const closed = new Promise((resolve) => socket.once("close", resolve));
      if (socket.writable) socket.end();
      this.#armLinger();
      await closed;
    }
    clearTimeout(this.#lingerTimer);
  }

  #logOp(fields: LogFields, startedMs: number): void {
    const ok = fields["code"] === undefined;
    this.#ctx.log("op", {
      peer: this.peer,
      ...fields,
      ok,
      durationMs: Math.round(performance.now() - startedMs),
    });
  }
}

/** A list page fits one reply header (the reply without entries is `emptyReplyBytes`) and maxListEntries. */
function listPageFits(emptyReplyBytes: number, maxHeaderBytes: number): (page: ListedFile[]) => boolean {
  let usedBytes = emptyReplyBytes;
  let counted = 0;
  return (page) => {
    for (; counted < page.length; counted += 1) {
      usedBytes += Buffer.byteLength(JSON.stringify(page[counted])) + (counted === 0 ? 0 : 1);
    }
    return page.length <= FILE_TRANSFER_LIMITS.maxListEntries && usedBytes <= maxHeaderBytes;
  };
}

function notFound(name: string): SocklabError {
  return new SocklabError("NOT_FOUND", `no file named ${JSON.stringify(name)}`);
}

function errorText(error: unknown): string {
  if (error === undefined) return "";
  if (error instanceof Error)
    return "code" in error ? `${String(error.code)}: ${error.message}` : error.message;
  return inspect(error);
}

/** Up to `bytes` bytes of a file from `position` into `buffer`; fewer only at its end. */
async function readChunk(
  handle: PartialFile["handle"],
  buffer: Buffer,
  position: number,
  bytes: number,
): Promise<Uint8Array> {
  const { bytesRead } = await handle.read(buffer, 0, bytes, position);
  return buffer.subarray(0, bytesRead);
}

/** Resolves once the socket has handed `chunk` to the kernel (its buffer may then be reused). */
function writeToSocket(socket: Socket, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(chunk, (error) => (error ? reject(asConnectionError(error)) : resolve()));
  });
}

function asConnectionError(error: Error): SocklabError {
  return new SocklabError("ERR_CONNECTION_CLOSED", `the connection failed while sending: ${error.message}`, {
    cause: error,
  });
}
