import { SocklabError } from "../socklab-error.ts";

/** Bytes in the length header: an unsigned 32-bit big-endian count of the payload bytes after it. */
export const LENGTH_HEADER_BYTES = 4;
/** The default cap on one frame's payload: a desynchronised or hostile header cannot allocate more. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** What the decoder makes of the bytes so far, in stream order. */
export type LengthPrefixedEvent =
  | { kind: "frame"; payload: Uint8Array }
  /** The stream cannot be framed any more; the decoder drops its buffer and ignores everything after. */
  | { kind: "fatal"; code: "ERR_FRAME_TOO_LARGE"; message: string };

/** How the stream ended: on a frame boundary, inside a frame, or after a fatal event. */
export type LengthPrefixedEnd =
  | { clean: true }
  | { clean: false; code: "ERR_TRUNCATED_FRAME"; message: string; bufferedBytes: number }
  | { clean: false; code: "ERR_FRAME_TOO_LARGE"; message: string };

export interface LengthPrefixedDecoderOptions {
  /** Largest payload accepted; a header announcing more is a fatal event. */
  maxFrameBytes?: number;
}

/** One message as it goes on the wire: its length (not counting the header), then its bytes. */
export function encodeLengthPrefixed(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(LENGTH_HEADER_BYTES + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, payload.byteLength, false);
  frame.set(payload, LENGTH_HEADER_BYTES);
  return frame;
}

/**
 * Restores the messages of a TCP stream whatever its chunking: a header split across chunks, many
 * frames in one chunk, a frame spread over many. `push` returns the events a chunk completed; between
 * pushes it holds less than one header and one largest frame. `end` says whether the stream stopped
 * on a frame boundary.
 */
export class LengthPrefixedDecoder {
  readonly maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #fatal: { code: "ERR_FRAME_TOO_LARGE"; message: string } | undefined;

  constructor(options: LengthPrefixedDecoderOptions = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 0) {
      throw new SocklabError(
        "ERR_BAD_MAX_FRAME_BYTES",
        `maxFrameBytes must be a safe non-negative integer; got ${maxFrameBytes}`,
      );
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet part of a whole frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): LengthPrefixedEvent[] {
    if (this.#fatal !== undefined || chunk.byteLength === 0) return [];
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    const events: LengthPrefixedEvent[] = [];
    for (;;) {
      const payloadBytes = this.#peekLength();
      if (payloadBytes === undefined) return events;
      if (payloadBytes > this.maxFrameBytes) {
        events.push(this.#fail(payloadBytes));
        return events;
      }
      if (this.#pendingBytes < LENGTH_HEADER_BYTES + payloadBytes) return events;
      const payload = this.#take(LENGTH_HEADER_BYTES + payloadBytes).subarray(LENGTH_HEADER_BYTES);
      events.push({ kind: "frame", payload });
    }
  }

  /** The peer finished sending: clean only if it stopped on a frame boundary and nothing was fatal. */
  end(): LengthPrefixedEnd {
    if (this.#fatal !== undefined) return { clean: false, ...this.#fatal };
    if (this.#pendingBytes === 0) return { clean: true };
    const payloadBytes = this.#peekLength();
    const expected =
      payloadBytes === undefined
        ? `a ${LENGTH_HEADER_BYTES}-byte header`
        : `a frame of ${LENGTH_HEADER_BYTES + payloadBytes} bytes`;
    return {
      clean: false,
      code: "ERR_TRUNCATED_FRAME",
      message: `the stream ended ${this.#pendingBytes} bytes into ${expected}`,
      bufferedBytes: this.#pendingBytes,
    };
  }

  /** The payload length the buffered header announces, once all of it is here. */
  #peekLength(): number | undefined {
    if (this.#pendingBytes < LENGTH_HEADER_BYTES) return undefined;
    const header = this.#take(LENGTH_HEADER_BYTES, { keep: true });
    return new DataView(header.buffer).getUint32(0, false);
  }

  #fail(payloadBytes: number): LengthPrefixedEvent {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#fatal = {
      code: "ERR_FRAME_TOO_LARGE",
      message: `a frame announces ${payloadBytes} bytes; at most ${this.maxFrameBytes} are accepted (a desynchronised stream, or a little-endian header?)`,
    };
    return { kind: "fatal", ...this.#fatal };
  }

  // Joins only the chunks needed, and drops the used ones in one splice: a frame that came a byte
  // per read is neither copied again on every push nor shifted out one chunk at a time.
  #take(byteCount: number, options: { keep?: boolean } = {}): Uint8Array {
    const joined = new Uint8Array(byteCount);
    let filled = 0;
    let index = 0;
    while (filled < byteCount) {
      const chunk = this.#pending[index] as Uint8Array;
      const used = Math.min(chunk.byteLength, byteCount - filled);
      joined.set(chunk.subarray(0, used), filled);
      filled += used;
      if (used < chunk.byteLength && !options.keep) this.#pending[index] = chunk.subarray(used);
      else index += 1;
    }
    if (!options.keep) {
      this.#pending.splice(0, index);
      this.#pendingBytes -= byteCount;
    }
    return joined;
  }
}
