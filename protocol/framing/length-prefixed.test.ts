import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LENGTH_HEADER_BYTES,
  LengthPrefixedDecoder,
  encodeLengthPrefixed,
  type LengthPrefixedEvent,
} from "./length-prefixed.ts";
import { concatBytes } from "../test-support/byte-reads.ts";

// Enough cases to reach 1-byte reads, empty frames and cuts on every header byte, in well under a
// second. A failure prints its seed and path; its shrinking stops after 10 s with the smallest case yet.
const RUNS = { numRuns: 500, plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] };

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

function payloads(events: LengthPrefixedEvent[]): number[][] {
  return events.map((event) => (event.kind === "frame" ? [...event.payload] : [-1]));
}

// `size: "max"`: by default fast-check generates at most about 10 bytes or elements, whatever maxLength.
const messages = fc.array(fc.uint8Array({ maxLength: 300, size: "max" }), { maxLength: 30, size: "max" });
// Read sizes from 1 byte (every header split) to more than several frames in one chunk.
const readSizes = fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2_000 })), {
  minLength: 1,
  maxLength: 20,
});

describe("LengthPrefixedDecoder", () => {
  it("restores every message exactly, whatever the chunking, and ends clean", () => {
    fc.assert(
      fc.property(messages, readSizes, (sent, sizes) => {
        const decoder = new LengthPrefixedDecoder();
        const stream = concatBytes(sent.map(encodeLengthPrefixed));
        const events = chunk(stream, sizes).flatMap((part) => decoder.push(part));
        expect(payloads(events)).toEqual(sent.map((m) => [...m]));
        expect(decoder.bufferedBytes).toBe(0);
        expect(decoder.end()).toEqual({ clean: true });
      }),
      RUNS,
    );
  });

  it("reports a stream cut inside a frame as ERR_TRUNCATED_FRAME, with the bytes left over", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 100, size: "max" }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        readSizes,
        (sent, cutSeed, sizes) => {
          const frames = sent.map(encodeLengthPrefixed);
          const stream = concatBytes(frames);
          const boundaries = frames.reduce(
            (ends, frame) => [...ends, (ends.at(-1) ?? 0) + frame.length],
            [0],
          );
          const insideFrame = Array.from({ length: stream.length }, (_, at) => at).filter(
            (at) => !boundaries.includes(at),
          );
          const cut = insideFrame[cutSeed % insideFrame.length] ?? 1;
          const lastBoundary = Math.max(...boundaries.filter((end) => end < cut));
          const decoder = new LengthPrefixedDecoder();
          const events = chunk(stream.subarray(0, cut), sizes).flatMap((part) => decoder.push(part));
          const whole = boundaries.indexOf(lastBoundary);
          expect(payloads(events)).toEqual(sent.slice(0, whole).map((m) => [...m]));
          expect(decoder.end()).toMatchObject({
            clean: false,
            code: "ERR_TRUNCATED_FRAME",
            bufferedBytes: cut - lastBoundary,
          });
        },
      ),
      RUNS,
    );
  });

  it("restores frames fed one byte at a time, including empty ones", () => {
    const decoder = new LengthPrefixedDecoder();
    const stream = concatBytes([
      encodeLengthPrefixed(new Uint8Array()),
      encodeLengthPrefixed(Uint8Array.of(1, 2, 3)),
    ]);
    const events = [...stream].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(payloads(events)).toEqual([[], [1, 2, 3]]);
  });

  it("keeps a partial frame until the rest arrives", () => {
    const decoder = new LengthPrefixedDecoder();
    const frame = encodeLengthPrefixed(Uint8Array.of(9, 9, 9, 9));
    expect(decoder.push(frame.subarray(0, 6))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(6);
    expect(decoder.end()).toEqual({
      clean: false,
      code: "ERR_TRUNCATED_FRAME",
      message: "the stream ended 6 bytes into a frame of 8 bytes",
      bufferedBytes: 6,
    });
    expect(payloads(decoder.push(frame.subarray(6)))).toEqual([[9, 9, 9, 9]]);
    expect(decoder.end()).toEqual({ clean: true });
  });

  it("says a stream cut inside a header ended inside the header", () => {
    const decoder = new LengthPrefixedDecoder();
    decoder.push(Uint8Array.of(0, 0));
    expect(decoder.end()).toMatchObject({ message: "the stream ended 2 bytes into a 4-byte header" });
  });

  it("accepts a frame of exactly maxFrameBytes and refuses one byte more", () => {
    const decoder = new LengthPrefixedDecoder({ maxFrameBytes: 3 });
    expect(payloads(decoder.push(encodeLengthPrefixed(Uint8Array.of(1, 2, 3))))).toEqual([[1, 2, 3]]);
    expect(decoder.push(Uint8Array.of(0, 0, 0, 4))).toMatchObject([
      { kind: "fatal", code: "ERR_FRAME_TOO_LARGE" },
    ]);
  });

  it("refuses a header announcing more than the limit as a fatal event, then ignores the stream", () => {
    const decoder = new LengthPrefixedDecoder({ maxFrameBytes: 1024 });
    const before = encodeLengthPrefixed(Uint8Array.of(7));
    // Python's struct.pack('i', 100) on x86 is little-endian: 100 read big-endian is 1,677,721,600.
    const events = decoder.push(concatBytes([before, Uint8Array.of(100, 0, 0, 0), before]));
    expect(events).toEqual([
      { kind: "frame", payload: Uint8Array.of(7) },
      {
        kind: "fatal",
        code: "ERR_FRAME_TOO_LARGE",
        message: expect.stringContaining("1677721600") as string,
      },
    ]);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.push(before)).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.end()).toMatchObject({ clean: false, code: "ERR_FRAME_TOO_LARGE" });
  });

  it("never buffers more than one header and one largest frame", () => {
    const maxFrameBytes = 64;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: maxFrameBytes, size: "max" }), { maxLength: 20, size: "max" }),
        readSizes,
        (sent, sizes) => {
          const decoder = new LengthPrefixedDecoder({ maxFrameBytes });
          for (const part of chunk(concatBytes(sent.map(encodeLengthPrefixed)), sizes)) {
            decoder.push(part);
            expect(decoder.bufferedBytes).toBeLessThan(LENGTH_HEADER_BYTES + maxFrameBytes);
          }
        },
      ),
      RUNS,
    );
  });

  it("refuses a limit that is not a byte count, with a stable code", () => {
    for (const maxFrameBytes of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => new LengthPrefixedDecoder({ maxFrameBytes })).toThrow(
        expect.objectContaining({ code: "ERR_BAD_MAX_FRAME_BYTES" }),
      );
    }
  });
});
