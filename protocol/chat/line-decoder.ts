import { CHAT_LIMITS } from "./chat-limits.ts";

/** Why a line was dropped instead of returned. */
export type LineRejection = "too-long" | "invalid-utf8" | "forbidden-byte";

/** One line out of the byte stream: its text, or why it was dropped. */
export type DecodedLine =
  | { readonly kind: "line"; readonly text: string }
  | {
      readonly kind: "rejected";
      readonly reason: LineRejection;
      /** Bytes of the line seen when it was dropped, its terminator included when it had arrived. */
      readonly byteLength: number;
    };

export interface LineDecoderOptions {
  /** A whole line, terminator included; 512 as in IRC. */
  maxLineBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/**
 * Splits a TCP byte stream into lines ended by LF or CRLF. `push(chunk)` returns the whole lines in
 * the chunk and keeps the unfinished rest in a buffer that never grows past `maxLineBytes`: a line
 * longer than that is reported once, as soon as it overflows, and its bytes up to the next LF are
 * skipped without being kept.
 */
export class LineDecoder {
  readonly maxLineBytes: number;
  readonly #pending: Uint8Array;
  #pendingBytes = 0;
  // Inside an over-long line that was already reported: drop bytes until the next LF.
  #skipping = false;
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(options: LineDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? CHAT_LIMITS.maxLineBytes;
    // Room for the longest legal line's text and its CR; the LF is never stored.
    this.#pending = new Uint8Array(this.maxLineBytes - 1);
  }

  /** Bytes held for a line whose end has not arrived yet. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): DecodedLine[] {
    const lines: DecodedLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      if (this.#skipping) {
        this.#skipping = lf === -1;
      } else if (this.#pendingBytes + (end - start) > this.#pending.length) {
        lines.push({
          kind: "rejected",
          reason: "too-long",
          byteLength: this.#pendingBytes + end - start + (lf === -1 ? 0 : 1),
        });
        this.#pendingBytes = 0;
        this.#skipping = lf === -1;
      } else {
        this.#pending.set(chunk.subarray(start, end), this.#pendingBytes);
        this.#pendingBytes += end - start;
        if (lf !== -1) lines.push(this.#takeLine(1));
      }
      if (lf === -1) break;
      start = lf + 1;
    }
    return lines;
  }

  /** At end of stream: the unterminated last line, if any (an over-long one was already reported). */
  end(): DecodedLine[] {
    const lines = this.#pendingBytes > 0 && !this.#skipping ? [this.#takeLine(0)] : [];
    this.#pendingBytes = 0;
    this.#skipping = false;
    return lines;
  }

  #takeLine(terminatorBytes: number): DecodedLine {
    const stored = this.#pendingBytes;
    this.#pendingBytes = 0;
    const textBytes = stored > 0 && this.#pending[stored - 1] === CR ? stored - 1 : stored;
    const byteLength = stored + terminatorBytes;
    // The limit counts a CRLF even when the line ended with a bare LF, so both endings allow the same text.
    if (textBytes > this.maxLineBytes - 2) return { kind: "rejected", reason: "too-long", byteLength };
    const bytes = this.#pending.subarray(0, textBytes);
    // A NUL or a bare CR inside a line would end or split it for many IRC clients once relayed.
    if (bytes.includes(NUL) || bytes.includes(CR))
      return { kind: "rejected", reason: "forbidden-byte", byteLength };
    try {
      return { kind: "line", text: this.#utf8.decode(bytes) };
    } catch {
      return { kind: "rejected", reason: "invalid-utf8", byteLength };
    }
  }
}
