import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { encodeFrame } from "../../../protocol/file-transfer/encode-frame.ts";
import {
  FrameDecoder,
  type FrameEvent,
  type FrameHeader,
} from "../../../protocol/file-transfer/frame-decoder.ts";
import { SocklabError } from "../../../protocol/socklab-error.ts";

/** A test's hand on the wire: sends any bytes, reads replies frame by frame, sees how the server closes. */
export class RawTestConnection {
  readonly socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #chunks: AsyncIterator<Uint8Array>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("error", () => undefined);
    this.#chunks = (socket as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  static async open(port: number, host = "127.0.0.1"): Promise<RawTestConnection> {
    const socket = connect({ port, host, noDelay: true });
    await once(socket, "connect");
    return new RawTestConnection(socket);
  }

  send(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  sendFrame(header: object): void {
    this.socket.write(encodeFrame(header));
  }

  /** Sends a frame and returns the next reply header. */
  async request(header: object): Promise<FrameHeader> {
    this.sendFrame(header);
    return this.reply();
  }

  async reply(): Promise<FrameHeader> {
    const event = await this.#next();
    if (event?.kind !== "header")
      throw new SocklabError("ERR_TEST_BAD_REPLY", `expected a header; got ${event?.kind ?? "EOF"}`);
    return event.header;
  }

  /** Reads a body of `bytes` bytes that follows the last reply. */
  async body(bytes: number): Promise<Buffer> {
    this.#decoder.expectBody(bytes);
    const parts: Uint8Array[] = [];
    for (let event = await this.#next(); event?.kind === "body"; event = await this.#next())
      parts.push(event.chunk);
    return Buffer.concat(parts);
  }

  /** Resolves once the server has closed its side; returns any headers it sent before that. */
  async serverClosed(): Promise<FrameHeader[]> {
    const headers: FrameHeader[] = [];
    for (let event = await this.#next(); event !== undefined; event = await this.#next()) {
      if (event.kind === "header") headers.push(event.header);
    }
    return headers;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The next event, or undefined at EOF (or reset). */
  async #next(): Promise<FrameEvent | undefined> {
    for (;;) {
      const event = this.#decoder.next();
      if (event !== undefined) return event;
      try {
        const result = await this.#chunks.next();
        if (result.done === true) return undefined;
        this.#decoder.append(result.value);
      } catch {
        return undefined;
      }
    }
  }
}
