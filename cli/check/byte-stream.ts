import { connect, type Socket } from "node:net";
import { CheckFailure } from "./check-failure.ts";

/** Where a check connects, for messages: `127.0.0.1:9004`. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export const describeEndpoint = (endpoint: Endpoint): string => `${endpoint.host}:${endpoint.port}`;

/**
 * One TCP connection that a check drives byte by byte: reads of exactly n bytes against a deadline,
 * and the peer's close seen as an event, so that a check can tell "no reply" from "closed".
 */
export class ByteStream {
  readonly socket: Socket;
  #buffered = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      this.#wake?.();
    });
    const end = (): void => {
      this.#ended = true;
      this.#wake?.();
    };
    socket.on("end", end);
    socket.on("close", end);
    // A reset is a close as the check sees it; the read that waits reports it.
    socket.on("error", end);
  }

  get bufferedBytes(): number {
    return this.#buffered.length;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves with exactly `byteCount` bytes, or with what came before a close or the deadline. */
  async read(
    byteCount: number,
    timeoutMs: number,
  ): Promise<{ bytes: Buffer; outcome: "ok" | "closed" | "timeout" }> {
    const deadlineMs = performance.now() + timeoutMs;
    while (this.#buffered.length < byteCount) {
      if (this.#ended) return { bytes: this.#take(this.#buffered.length), outcome: "closed" };
      const leftMs = deadlineMs - performance.now();
      if (leftMs <= 0) return { bytes: this.#take(this.#buffered.length), outcome: "timeout" };
      await this.#waitForChange(leftMs);
    }
    return { bytes: this.#take(byteCount), outcome: "ok" };
  }

  /** Puts bytes already read back in front, for a check that peeked at a header. */
  unread(bytes: Buffer): void {
    this.#buffered = Buffer.concat([bytes, this.#buffered]);
  }

  /** Resolves true once the peer has closed (FIN or reset), false if it had not by the deadline. */
  async waitForClose(timeoutMs: number): Promise<boolean> {
    const deadlineMs = performance.now() + timeoutMs;
    while (!this.#ended) {
      const leftMs = deadlineMs - performance.now();
      if (leftMs <= 0) return false;
      await this.#waitForChange(leftMs);
    }
    return true;
  }

  /** Writes and waits until the kernel took the bytes, so a later pause splits the segments. */
  async write(bytes: Uint8Array): Promise<void> {
    // A closed socket never drains: the read that follows reports the close.
    const closed = (): boolean => this.socket.destroyed;
    if (closed() || this.socket.write(bytes) || closed()) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  [Symbol.dispose](): void {
    this.destroy();
  }

  #take(byteCount: number): Buffer {
    const bytes = this.#buffered.subarray(0, byteCount);
    this.#buffered = this.#buffered.subarray(byteCount);
    return bytes;
  }

  #waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

/**
 * Connects to the learner's server; a refusal or silence is the learner's work failing (a
 * CheckFailure that says to start the server), not a network error of socklab's.
 */
export async function openByteStream(
  endpoint: Endpoint,
  timeoutMs: number,
  startHint: string,
): Promise<ByteStream> {
  const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new CheckFailure(`no connection to ${describeEndpoint(endpoint)} within ${timeoutMs} ms`, startHint),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(new ByteStream(socket));
    });
    const onError = (error: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(
        new CheckFailure(
          `cannot connect to ${describeEndpoint(endpoint)}: ${error.code ?? error.message}`,
          startHint,
          { cause: error },
        ),
      );
    };
    socket.once("error", onError);
  });
}
