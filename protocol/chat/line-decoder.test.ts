import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder, type DecodedLine } from "./line-decoder.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function decodeInChunks(stream: Uint8Array, cuts: number[]): DecodedLine[] {
  const decoder = new LineDecoder();
  const lines: DecodedLine[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    lines.push(...decoder.push(stream.subarray(start, cut)));
    start = cut;
  }
  lines.push(...decoder.push(stream.subarray(start)));
  return lines;
}

describe("LineDecoder", () => {
  it("returns whole lines and keeps the unfinished rest for the next chunk", () => {
    const decoder = new LineDecoder();
    expect(decoder.push(bytes("hello\nwor"))).toEqual([{ kind: "line", text: "hello" }]);
    expect(decoder.pendingBytes).toBe(3);
    expect(decoder.push(bytes("ld\r\n"))).toEqual([{ kind: "line", text: "world" }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("accepts LF and CRLF line ends, and returns empty lines as empty text", () => {
    expect(new LineDecoder().push(bytes("a\r\nb\n\n\r\nc\n"))).toEqual(
      ["a", "b", "", "", "c"].map((text) => ({ kind: "line", text })),
    );
  });

  it("gives the same lines for one-byte chunks, one chunk, and any split", () => {
    const line = fc.string({ unit: "grapheme", maxLength: 60 }).filter((text) => !/[\r\n\0]/.test(text));
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 30 }),
        (texts, crlf, rawCuts) => {
          const stream = bytes(texts.map((text) => `${text}${crlf ? "\r\n" : "\n"}`).join(""));
          const expected = texts.map((text) => ({ kind: "line", text }));
          const oneByte = Array.from({ length: stream.length }, (_, index) => index);
          expect(decodeInChunks(stream, [])).toEqual(expected);
          expect(decodeInChunks(stream, oneByte)).toEqual(expected);
          expect(
            decodeInChunks(
              stream,
              rawCuts.map((cut) => cut % (stream.length + 1)),
            ),
          ).toEqual(expected);
        },
      ),
    );
  });

  it("decodes a character whose UTF-8 bytes arrive in different chunks", () => {
    const decoder = new LineDecoder();
    const stream = bytes("é€😀\n");
    const lines = [...stream].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(lines).toEqual([{ kind: "line", text: "é€😀" }]);
  });

  it("allows 510 bytes of text before CRLF or LF, and drops 511 as too long", () => {
    const decoder = new LineDecoder();
    const ok = "a".repeat(510);
    expect(decoder.push(bytes(`${ok}\r\n${ok}\n`))).toEqual([
      { kind: "line", text: ok },
      { kind: "line", text: ok },
    ]);
    expect(decoder.push(bytes(`${"b".repeat(511)}\n`))).toEqual([
      { kind: "rejected", reason: "too-long", byteLength: 512 },
    ]);
    expect(decoder.push(bytes(`${"b".repeat(511)}\r\n`))).toEqual([
      { kind: "rejected", reason: "too-long", byteLength: 513 },
    ]);
    expect(decoder.push(bytes("next\n"))).toEqual([{ kind: "line", text: "next" }]);
  });

  it("reports an endless line once, as soon as it overflows, and never holds more than 511 bytes", () => {
    const decoder = new LineDecoder();
    const reported: DecodedLine[] = [];
    for (let chunk = 0; chunk < 1_000; chunk += 1) {
      reported.push(...decoder.push(new Uint8Array(1_000).fill(0x78)));
      expect(decoder.pendingBytes).toBeLessThanOrEqual(511);
    }
    expect(reported).toEqual([{ kind: "rejected", reason: "too-long", byteLength: 1_000 }]);
    expect(decoder.push(bytes("still skipping\nback\n"))).toEqual([{ kind: "line", text: "back" }]);
  });

  it("drops a line that is not valid UTF-8 and keeps decoding the next ones", () => {
    const decoder = new LineDecoder();
    const stream = Uint8Array.from([
      ...bytes("ok\n"),
      0xc3,
      0x28,
      0x0a,
      0xff,
      0x0d,
      0x0a,
      ...bytes("after\n"),
    ]);
    expect(decoder.push(stream)).toEqual([
      { kind: "line", text: "ok" },
      { kind: "rejected", reason: "invalid-utf8", byteLength: 3 },
      { kind: "rejected", reason: "invalid-utf8", byteLength: 3 },
      { kind: "line", text: "after" },
    ]);
  });

  it("drops a line with a NUL or a bare CR in it, which would split it once relayed", () => {
    expect(new LineDecoder().push(bytes("a\0b\nc\rd\nfine\n"))).toEqual([
      { kind: "rejected", reason: "forbidden-byte", byteLength: 4 },
      { kind: "rejected", reason: "forbidden-byte", byteLength: 4 },
      { kind: "line", text: "fine" },
    ]);
  });

  it("never throws and never holds more than the limit, whatever the bytes", () => {
    fc.assert(
      // `size: "max"`: by default fast-check generates at most about 10 bytes, never near the limit.
      fc.property(fc.array(fc.uint8Array({ maxLength: 700, size: "max" }), { maxLength: 10 }), (chunks) => {
        const decoder = new LineDecoder();
        for (const chunk of chunks) {
          decoder.push(chunk);
          expect(decoder.pendingBytes).toBeLessThan(512);
        }
        decoder.end();
      }),
      // Shrinking kilobytes one byte at a time can take minutes: stop it with the smallest case yet.
      { plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] },
    );
  });

  it("returns the unterminated last line at the end of the stream", () => {
    const decoder = new LineDecoder();
    expect(decoder.push(bytes("first\nlast"))).toEqual([{ kind: "line", text: "first" }]);
    expect(decoder.end()).toEqual([{ kind: "line", text: "last" }]);
    expect(decoder.end()).toEqual([]);
  });
});
