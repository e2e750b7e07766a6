import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LengthPrefixedDecoder, encodeLengthPrefixed } from "./length-prefixed.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function chunk(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? 1);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe("LengthPrefixedDecoder", () => {
  it("restores every message exactly, whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (messages, sizes) => {
          const decoder = new LengthPrefixedDecoder();
          const stream = concat(messages.map(encodeLengthPrefixed));
          const decoded = chunk(stream, sizes).flatMap((part) => decoder.push(part));
          expect(decoded.map((m) => [...m])).toEqual(messages.map((m) => [...m]));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it("restores frames fed one byte at a time, including empty ones", () => {
    const decoder = new LengthPrefixedDecoder();
    const stream = concat([
      encodeLengthPrefixed(new Uint8Array()),
      encodeLengthPrefixed(Uint8Array.of(1, 2, 3)),
    ]);
    const frames = [...stream].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(frames.map((frame) => [...frame])).toEqual([[], [1, 2, 3]]);
  });

  it("keeps a partial frame until the rest arrives", () => {
    const decoder = new LengthPrefixedDecoder();
    const frame = encodeLengthPrefixed(Uint8Array.of(9, 9, 9, 9));
    expect(decoder.push(frame.subarray(0, 6))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(6);
    expect(decoder.push(frame.subarray(6)).map((f) => [...f])).toEqual([[9, 9, 9, 9]]);
  });

  it("refuses a header announcing more than the limit, with a stable code", () => {
    const decoder = new LengthPrefixedDecoder(1024);
    // Python's struct.pack('i', 100) on x86 is little-endian: 100 read big-endian is 1,677,721,600.
    expect(() => decoder.push(Uint8Array.of(100, 0, 0, 0))).toThrow(
      expect.objectContaining({ code: "ERR_FRAME_TOO_LARGE" }),
    );
  });
});
