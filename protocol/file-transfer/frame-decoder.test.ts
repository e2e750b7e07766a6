import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "./encode-frame.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";
import { FrameDecoder, type FrameEvent } from "./frame-decoder.ts";
import { concatBytes } from "../test-support/byte-reads.ts";

const text = new TextEncoder();

/** A frame and, when it announces one, its body: what a peer puts on the wire. */
interface WireItem {
  header: Record<string, unknown>;
  body?: Uint8Array;
}

function wireBytes(items: WireItem[]): Uint8Array {
  return concatBytes(items.flatMap((item) => [encodeFrame(item.header), item.body ?? new Uint8Array(0)]));
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.slice(from, point));
    from = point;
  }
  return chunks;
}

/** Decodes like a protocol layer would: a header with `bodyBytes` is followed by that many body bytes. */
function decodeAll(
  chunks: Uint8Array[],
  decoder = new FrameDecoder(),
): { items: WireItem[]; events: FrameEvent[] } {
  const items: WireItem[] = [];
  const events: FrameEvent[] = [];
  let body: Uint8Array[] = [];
  for (const chunk of chunks) {
    for (const event of decoder.push(chunk)) {
      events.push(event);
      if (event.kind === "header") {
        items.push({ header: event.header });
        const bodyBytes = event.header["bodyBytes"];
        if (typeof bodyBytes === "number") decoder.expectBody(bodyBytes);
      } else if (event.kind === "body") {
        body.push(event.chunk);
      } else if (event.kind === "bodyEnd") {
        const last = items.at(-1);
        if (last !== undefined) last.body = concatBytes(body);
        body = [];
      }
    }
  }
  return { items, events };
}

const sampleItems: WireItem[] = [
  { header: { op: "list", id: 1 } },
  { header: { op: "put", id: "b", name: "é.bin", bodyBytes: 5 }, body: new Uint8Array([0, 1, 2, 255, 4]) },
  { header: { op: "put", id: 3, bodyBytes: 0 }, body: new Uint8Array(0) },
  { header: { op: "stat", id: 4, name: "x" } },
];

describe("FrameDecoder", () => {
  it("decodes frames pushed one byte at a time", () => {
    const bytes = wireBytes(sampleItems);
    const oneByteChunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect(decodeAll(oneByteChunks).items).toEqual(sampleItems);
  });

  it("decodes many frames and bodies that arrive in one chunk", () => {
    expect(decodeAll([wireBytes(sampleItems)]).items).toEqual(sampleItems);
  });

  it("gives the same frames and bodies however the stream is cut", () => {
    const item = fc.record({
      header: fc.record({ id: fc.nat(), name: fc.string({ maxLength: 20 }) }),
      // `size: "max"`: by default fast-check generates at most about 10 bytes, whatever maxLength.
      body: fc.option(fc.uint8Array({ maxLength: 300, size: "max" }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (generated, cuts) => {
          const items: WireItem[] = generated.map(({ header, body }) =>
            body === undefined ? { header } : { header: { ...header, bodyBytes: body.length }, body },
          );
          const decoder = new FrameDecoder();
          expect(decodeAll(splitAt(wireBytes(items), cuts), decoder).items).toEqual(items);
          expect(decoder.end()).toEqual({ clean: true });
        },
      ),
      // Shrinking hundreds of body bytes one by one can take minutes: stop it with the smallest case yet.
      { plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] },
    );
  });

  it("hands body bytes out as views of the pushed chunk, never copies of a whole body", () => {
    const decoder = new FrameDecoder();
    const body = new Uint8Array(1000).fill(7);
    const chunk = concatBytes([encodeFrame({ id: 1 }), body]);
    const [header] = decoder.push(chunk);
    expect(header?.kind).toBe("header");
    decoder.expectBody(1000);
    const [bodyEvent, end] = [...decoder.events()];
    expect(bodyEvent?.kind === "body" && bodyEvent.chunk.buffer).toBe(chunk.buffer);
    expect(end).toEqual({ kind: "bodyEnd", bodyBytes: 1000 });
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("waits for expectBody before reading past a header, leaving later bytes buffered", () => {
    const decoder = new FrameDecoder();
    const events = decoder.push(
      concatBytes([encodeFrame({ id: 1 }), text.encode("abc"), encodeFrame({ id: 2 })]),
    );
    expect(events.next().value).toEqual({ kind: "header", header: { id: 1 } });
    decoder.expectBody(3);
    expect([...events]).toEqual([
      { kind: "body", chunk: text.encode("abc") },
      { kind: "bodyEnd", bodyBytes: 3 },
      { kind: "header", header: { id: 2 } },
    ]);
  });

  it("ends an empty body at once", () => {
    const decoder = new FrameDecoder();
    decoder.expectBody(0);
    expect(decoder.next()).toEqual({ kind: "bodyEnd", bodyBytes: 0 });
    expect(decoder.inBody).toBe(false);
  });

  it("accepts a header of exactly maxHeaderBytes", () => {
    const decoder = new FrameDecoder({ maxHeaderBytes: 20 });
    const header = { k: "x".repeat(12) }; // {"k":"xxxxxxxxxxxx"} is 20 bytes
    expect([...decoder.push(encodeFrame(header))]).toEqual([{ kind: "header", header }]);
  });

  it("fails with HEADER_TOO_LARGE as soon as the length prefix is in, and ignores what follows", () => {
    const decoder = new FrameDecoder({ maxHeaderBytes: 100 });
    const prefix = new Uint8Array([0, 0, 0, 101]);
    expect([...decoder.push(prefix)]).toEqual([
      {
        kind: "fatal",
        code: "HEADER_TOO_LARGE",
        message: "length prefix announces a 101-byte header; the limit is 100",
      },
    ]);
    expect([...decoder.push(encodeFrame({ id: 1 }))]).toEqual([]);
    expect(decoder.end()).toEqual({ clean: true });
  });

  it("uses 65,535 bytes (2^16 - 1) as the default header limit", () => {
    expect(new FrameDecoder().maxHeaderBytes).toBe(FILE_TRANSFER_LIMITS.maxHeaderBytes);
    expect(FILE_TRANSFER_LIMITS.maxHeaderBytes).toBe(65_535);
  });

  it("refuses the little-endian length prefix of every header of 1 to 65,535 bytes with HEADER_TOO_LARGE", () => {
    for (let headerBytes = 1; headerBytes <= FILE_TRANSFER_LIMITS.maxHeaderBytes; headerBytes += 1) {
      const prefix = new Uint8Array(4);
      new DataView(prefix.buffer).setUint32(0, headerBytes, true);
      const [event] = new FrameDecoder().push(prefix);
      if (event?.kind !== "fatal")
        expect.fail(`a ${headerBytes}-byte header's little-endian prefix was not refused`);
    }
  });

  it.each([
    ["text that is not JSON", text.encode("{not json")],
    ["an empty header", new Uint8Array(0)],
    ["bytes that are not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ])("reports MALFORMED_JSON for %s and keeps decoding", (_what, headerBytes) => {
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, headerBytes.length, false);
    const events = [...new FrameDecoder().push(concatBytes([prefix, headerBytes, encodeFrame({ id: 2 })]))];
    expect(events.map((event) => event.kind)).toEqual(["invalid", "header"]);
    expect(events[0]).toMatchObject({ kind: "invalid", code: "MALFORMED_JSON" });
  });

  it.each([["[1,2]"], ["null"], ["42"], ['"put"'], ["true"]])("reports NOT_AN_OBJECT for %s", (json) => {
    const bytes = text.encode(json);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, bytes.length, false);
    const [event] = new FrameDecoder().push(concatBytes([prefix, bytes]));
    expect(event).toMatchObject({ kind: "invalid", code: "NOT_AN_OBJECT" });
  });

  it("says TRUNCATED_FRAME when the stream ends inside a length prefix or a header", () => {
    const inPrefix = new FrameDecoder();
    expect([...inPrefix.push(new Uint8Array([0, 0]))]).toEqual([]);
    expect(inPrefix.end()).toMatchObject({ clean: false, code: "TRUNCATED_FRAME" });
    const inHeader = new FrameDecoder();
    expect([...inHeader.push(encodeFrame({ id: 1 }).subarray(0, 7))]).toEqual([]);
    expect(inHeader.end()).toMatchObject({ clean: false, code: "TRUNCATED_FRAME" });
  });

  it("says TRUNCATED_BODY, with the bytes received, when the stream ends inside a body", () => {
    const decoder = new FrameDecoder();
    decoder.expectBody(10);
    expect([...decoder.push(new Uint8Array(4))]).toHaveLength(1);
    expect(decoder.end()).toEqual({
      clean: false,
      code: "TRUNCATED_BODY",
      message: "connection ended after 4 of 10 body bytes",
      bodyBytesReceived: 4,
    });
  });

  it("refuses a body length that is not a safe non-negative integer, or a second body at once", () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.expectBody(-1)).toThrow(expect.objectContaining({ code: "ERR_BAD_BODY_SIZE" }));
    expect(() => decoder.expectBody(1.5)).toThrow(expect.objectContaining({ code: "ERR_BAD_BODY_SIZE" }));
    decoder.expectBody(1);
    expect(() => decoder.expectBody(1)).toThrow(expect.objectContaining({ code: "ERR_DECODER_BUSY" }));
  });
});

describe("encodeFrame", () => {
  it("prefixes the UTF-8 JSON header with its byte length, big-endian", () => {
    const frame = encodeFrame({ name: "€" });
    const json = text.encode('{"name":"€"}');
    expect(Array.from(frame.subarray(0, 4))).toEqual([0, 0, 0, json.length]);
    expect(frame.subarray(4)).toEqual(json);
  });

  it("refuses a header over the limit with HEADER_TOO_LARGE", () => {
    expect(() => encodeFrame({ k: "x".repeat(100) }, 50)).toThrow(
      expect.objectContaining({ code: "HEADER_TOO_LARGE" }),
    );
  });
});
