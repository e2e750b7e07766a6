import type { OnReadOpts, Socket } from "node:net";
import { SocklabError } from "../../protocol/socklab-error.ts";

/**
 * One socket read asks the kernel for up to this many bytes; each connection holds one such buffer,
 * idle or not. Smaller buffers grown on demand were tried: more heap churn, the client's RSS over
 * 100 MiB in the bench (docs/benchmarks.md).
 */
export const SOCKET_READ_BYTES = 256 * 1024;
/** Reading pauses while this many bytes wait for the consumer (the kernel's receive buffer holds the rest). */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * A socket's bytes as an async iterator of chunks, read with `onread` (pass `reader.onread` to
 * `net.connect`, then `attach` the socket). Against the socket's own async iterator it reads four
 * times as much per system call and skips the stream machinery per chunk; measured on a 1 GiB
 * download (docs/benchmarks.md). Every chunk owns its memory (its own ArrayBuffer, nothing else in
 * it), so a consumer may move it to a worker thread; a read that fills the buffer hands over the
 * buffer itself, a shorter one is copied out and the buffer is read into again.
 * Ends (done) at the peer's FIN; rejects with the socket's error, or ERR_CONNECTION_CLOSED when it
 * closed without either.
 */
export class SocketChunkReader implements AsyncIterator<Uint8Array> {
  readonly onread: OnReadOpts;
  #buffer = Buffer.allocUnsafeSlow(SOCKET_READ_BYTES);
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #ended = false;
  #failure: Error | undefined;
  #paused = false;
  #socket: Socket | undefined;
  #waiter:
    { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    this.onread = {
      // Asked again after every read: the buffer handed over is replaced by then.
      buffer: () => this.#buffer,
      callback: (bytesRead, buffer) => this.#onRead(bytesRead, buffer),
    };
  }

  /** Starts watching the socket created with `this.onread` for its end, its error and its close. */
  attach(socket: Socket): void {
    this.#socket = socket;
    socket.on("end", () => this.#settle({ ended: true }));
    socket.on("error", (error: Error) => this.#settle({ failure: error }));
    socket.on("close", () =>
      this.#settle({
        failure: new SocklabError(
          "ERR_CONNECTION_CLOSED",
          "the connection was closed before the server ended it",
        ),
      }),
    );
  }

  /** True while reading waits for the consumer to take what is queued. */
  get paused(): boolean {
    return this.#paused;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.length;
      this.#resumeIfDrained();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    if (this.#waiter !== undefined)
      return Promise.reject(
        new SocklabError("ERR_USAGE", "SocketChunkReader: one next() at a time; await the one before"),
      );
    this.#resumeIfDrained();
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Returns false (pausing the socket) while the consumer is more than MAX_QUEUED_BYTES behind. */
  #onRead(bytesRead: number, buffer: Uint8Array): boolean {
    let chunk: Uint8Array;
    if (bytesRead === buffer.length) {
      chunk = buffer;
      this.#buffer = Buffer.allocUnsafeSlow(SOCKET_READ_BYTES);
    } else {
      chunk = new Uint8Array(bytesRead);
      chunk.set(buffer.subarray(0, bytesRead));
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return true;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes < MAX_QUEUED_BYTES) return true;
    this.#paused = true;
    return false;
  }

  #resumeIfDrained(): void {
    if (!this.#paused || this.#queuedBytes >= MAX_QUEUED_BYTES) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  // The first of end, error and close decides; queued chunks are still handed out before it.
  #settle(outcome: { ended: true } | { failure: Error }): void {
    if (this.#ended || this.#failure !== undefined) return;
    if ("ended" in outcome) this.#ended = true;
    else this.#failure = outcome.failure;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter === undefined) return;
    if (this.#failure !== undefined) waiter.reject(this.#failure);
    else waiter.resolve({ done: true, value: undefined });
  }
}
