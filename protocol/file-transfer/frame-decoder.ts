import { SocklabError } from "../socklab-error.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";

export type FrameHeader = Record<string, unknown>;

/** What the decoder makes of the bytes so far; a body arrives as chunks that share the pushed memory. */
export type FrameEvent =
  | { kind: "header"; header: FrameHeader }
  /** A well-framed header that is not a JSON object: the stream is still in step. */
  | { kind: "invalid"; code: "MALFORMED_JSON" | "NOT_AN_OBJECT"; message: string }
  /** The stream cannot be framed any more; the decoder ignores everything after this. */
  | { kind: "fatal"; code: "HEADER_TOO_LARGE"; message: string }
  | { kind: "body"; chunk: Uint8Array }
  | { kind: "bodyEnd"; bodyBytes: number };

export type FrameEnd =
  | { clean: true }
  | { clean: false; code: "TRUNCATED_FRAME" | "TRUNCATED_BODY"; message: string; bodyBytesReceived?: number };

export interface FrameDecoderOptions {
  maxHeaderBytes?: number;
}

const PREFIX_BYTES = FILE_TRANSFER_LIMITS.lengthPrefixBytes;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Splits a byte stream into headers and bodies, whatever the chunking. Headers are self-delimiting;
 * a body's length is known only to the protocol layer, which calls `expectBody(bytes)` after the
 * header that announces it. Body bytes are handed out as they come, never gathered into one buffer.
 */
export class FrameDecoder {
  readonly maxHeaderBytes: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #bodyBytes = 0;
  #bodyRemaining: number | undefined;
  #failed = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? FILE_TRANSFER_LIMITS.maxHeaderBytes;
  }

  /** Bytes received and not yet handed out. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** True between `expectBody` and the `bodyEnd` event. */
  get inBody(): boolean {
    return this.#bodyRemaining !== undefined;
  }

  /** Adds a chunk and returns the events it completes, lazily: call `expectBody` between them. */
  push(chunk: Uint8Array): Generator<FrameEvent> {
    this.append(chunk);
    return this.events();
  }

  append(chunk: Uint8Array): void {
    if (this.#failed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  *events(): Generator<FrameEvent> {
    for (let event = this.next(); event !== undefined; event = this.next()) yield event;
  }

  /** The next complete event, or undefined until more bytes arrive. */
  next(): FrameEvent | undefined {
    if (this.#failed) return undefined;
    if (this.#bodyRemaining !== undefined) return this.#nextBodyEvent(this.#bodyRemaining);
    if (this.#buffered < PREFIX_BYTES) return undefined;
    const headerBytes = new DataView(this.#peek(PREFIX_BYTES).buffer).getUint32(0, false);
    if (headerBytes > this.maxHeaderBytes) return this.#fail(headerBytes);
    if (this.#buffered < PREFIX_BYTES + headerBytes) return undefined;
    this.#take(PREFIX_BYTES);
    return decodeHeader(this.#take(headerBytes));
  }

  /** The next `bytes` bytes are a body: they come out as body events, then one bodyEnd. */
  expectBody(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new SocklabError(
        "ERR_BAD_BODY_SIZE",
        `a body must be a safe non-negative integer of bytes; got ${bytes}`,
      );
    }
    if (this.#bodyRemaining !== undefined) {
      throw new SocklabError("ERR_DECODER_BUSY", `a body of ${this.#bodyBytes} bytes is still being decoded`);
    }
    this.#bodyBytes = bytes;
    this.#bodyRemaining = bytes;
  }

  /** The peer finished sending: says whether it stopped on a frame boundary. */
  end(): FrameEnd {
    if (this.#failed) return { clean: true };
    const remaining = this.#bodyRemaining;
    if (remaining !== undefined && remaining > 0) {
      const received = this.#bodyBytes - remaining;
      return {
        clean: false,
        code: "TRUNCATED_BODY",
        message: `connection ended after ${received} of ${this.#bodyBytes} body bytes`,
        bodyBytesReceived: received,
      };
    }
    if (this.#buffered > 0) {
      return {
        clean: false,
        code: "TRUNCATED_FRAME",
        message: `connection ended inside a frame, ${this.#buffered} bytes into it`,
      };
    }
    return { clean: true };
  }

  #nextBodyEvent(remaining: number): FrameEvent | undefined {
    if (remaining === 0) {
      this.#bodyRemaining = undefined;
      return { kind: "bodyEnd", bodyBytes: this.#bodyBytes };
    }
    const chunk = this.#takeUpTo(remaining);
    if (chunk === undefined) return undefined;
    this.#bodyRemaining = remaining - chunk.length;
    return { kind: "body", chunk };
  }

  #fail(headerBytes: number): FrameEvent {
    this.#failed = true;
    this.#chunks = [];
    this.#buffered = 0;
    return {
      kind: "fatal",
      code: "HEADER_TOO_LARGE",
      message: `length prefix announces a ${headerBytes}-byte header; the limit is ${this.maxHeaderBytes}`,
    };
  }

  /** A copy of the first `bytes` buffered bytes, without consuming them. */
  #peek(bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    let filled = 0;
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(0, bytes - filled);
      out.set(part, filled);
      filled += part.length;
      if (filled === bytes) break;
    }
    return out;
  }

  /** Consumes exactly `bytes` bytes (which must be buffered), copying only when they span chunks. */
  #take(bytes: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= bytes) return this.#takeUpTo(bytes) ?? new Uint8Array(0);
    const out = this.#peek(bytes);
    let left = bytes;
    while (left > 0) left -= this.#takeUpTo(left)?.length ?? left;
    return out;
  }

  /** Consumes up to `bytes` bytes from the first chunk, without copying. */
  #takeUpTo(bytes: number): Uint8Array | undefined {
    const first = this.#chunks[0];
    if (first === undefined) return undefined;
    if (first.length <= bytes) {
      this.#chunks.shift();
      this.#buffered -= first.length;
      return first;
    }
    this.#chunks[0] = first.subarray(bytes);
    this.#buffered -= bytes;
    return first.subarray(0, bytes);
  }
}

function decodeHeader(bytes: Uint8Array): FrameEvent {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: "invalid", code: "MALFORMED_JSON", message: `header is not UTF-8 JSON: ${why}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    return { kind: "invalid", code: "NOT_AN_OBJECT", message: `header must be a JSON object; got ${got}` };
  }
  return { kind: "header", header: value as FrameHeader };
}
