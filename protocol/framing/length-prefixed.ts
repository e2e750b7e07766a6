import { SocklabError } from "../socklab-error.ts";

/** Bytes in the length header: an unsigned 32-bit big-endian count of the payload bytes after it. */
export const LENGTH_HEADER_BYTES = 4;
/** The default cap on one frame's payload: a desynchronised or hostile header cannot allocate more. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** One message as it goes on the wire: its length (not counting the header), then its bytes. */
export function encodeLengthPrefixed(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(LENGTH_HEADER_BYTES + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, payload.byteLength, false);
  frame.set(payload, LENGTH_HEADER_BYTES);
  return frame;
}

/**
 * Restores the messages of a TCP stream whatever its chunking: a header split across chunks, many
 * frames in one chunk, a frame spread over many. `push` returns the frames a chunk completed.
 */
export class LengthPrefixedDecoder {
  readonly #maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet part of a whole frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    const frames: Uint8Array[] = [];
    for (;;) {
      const payloadBytes = this.#peekLength();
      if (payloadBytes === undefined || this.#pendingBytes < LENGTH_HEADER_BYTES + payloadBytes)
        return frames;
      frames.push(this.#take(LENGTH_HEADER_BYTES + payloadBytes).subarray(LENGTH_HEADER_BYTES));
    }
  }

  #peekLength(): number | undefined {
    if (this.#pendingBytes < LENGTH_HEADER_BYTES) return undefined;
    const header = this.#take(LENGTH_HEADER_BYTES, { keep: true });
    const length = new DataView(header.buffer, header.byteOffset, LENGTH_HEADER_BYTES).getUint32(0, false);
    if (length > this.#maxFrameBytes) {
      throw new SocklabError(
        "ERR_FRAME_TOO_LARGE",
        `a frame announces ${length} bytes; at most ${this.#maxFrameBytes} are accepted (a desynchronised stream, or a little-endian header?)`,
      );
    }
    return length;
  }

  // Joins only the chunks needed, so a long stream is not copied again on every push.
  #take(byteCount: number, options: { keep?: boolean } = {}): Uint8Array {
    const joined = new Uint8Array(byteCount);
    let filled = 0;
    let index = 0;
    while (filled < byteCount) {
      const chunk = this.#pending[index] as Uint8Array;
      const used = Math.min(chunk.byteLength, byteCount - filled);
      joined.set(chunk.subarray(0, used), filled);
      filled += used;
      if (!options.keep) {
        if (used === chunk.byteLength) this.#pending.shift();
        else this.#pending[index] = chunk.subarray(used);
      } else {
        index += 1;
      }
    }
    if (!options.keep) this.#pendingBytes -= byteCount;
    return joined;
  }
}
