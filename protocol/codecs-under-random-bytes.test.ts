// Every codec fed bytes it did not expect: random, truncated, cut anywhere. Each must answer with
// a defined result or a defined error, never an escaping exception, and never buffer without bound.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder } from "./chat/line-decoder.ts";
import { parseIrcMessage } from "./chat/parse-irc-message.ts";
import { PLAIN_COMMANDS, parsePlainCommand } from "./chat/parse-plain-command.ts";
import { FILE_TRANSFER_ERRORS } from "./file-transfer/file-transfer-errors.ts";
import { FrameDecoder } from "./file-transfer/frame-decoder.ts";
import { parseRequest } from "./file-transfer/parse-request.ts";
import { LengthPrefixedDecoder } from "./framing/length-prefixed.ts";
import { SocklabError } from "./socklab-error.ts";

const RUNS = { numRuns: 300 };

/** Random bytes cut into random chunks, down to single bytes. */
const chunkedBytes = fc
  .tuple(
    fc.uint8Array({ maxLength: 4096 }),
    fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 16 }),
  )
  .map(([bytes, sizes]) => {
    const chunks: Uint8Array[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const size = sizes[i % sizes.length] ?? 1;
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    return chunks;
  });

describe("the file-transfer frame decoder under random bytes", () => {
  it("gives only defined events and a defined end, and buffers at most one header", () => {
    const maxHeaderBytes = 1024;
    fc.assert(
      fc.property(chunkedBytes, (chunks) => {
        const decoder = new FrameDecoder({ maxHeaderBytes });
        for (const chunk of chunks) {
          for (const event of decoder.push(chunk))
            expect(["header", "invalid", "fatal"]).toContain(event.kind);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(4 + maxHeaderBytes + chunk.length);
        }
        const end = decoder.end();
        if (!end.clean) expect(["TRUNCATED_FRAME", "TRUNCATED_BODY"]).toContain(end.code);
      }),
      RUNS,
    );
  });
});

describe("file-transfer request validation under random headers", () => {
  it("answers any JSON object with a request or an error code of the protocol", () => {
    const anyHeader = fc.dictionary(
      fc.oneof(fc.constantFrom("op", "id", "name", "size", "sha256", "offset", "after"), fc.string()),
      fc.oneof(fc.jsonValue(), fc.constantFrom("put", "get", "list", "stat", "delete")),
    );
    fc.assert(
      fc.property(anyHeader, (header) => {
        const parsed = parseRequest(header);
        if (!parsed.ok) expect(Object.keys(FILE_TRANSFER_ERRORS)).toContain(parsed.code);
      }),
      RUNS,
    );
  });
});

describe("the chat line decoder under random bytes", () => {
  it("gives lines or rejections, never a line over the limit, and keeps less than one line", () => {
    fc.assert(
      fc.property(chunkedBytes, (chunks) => {
        const decoder = new LineDecoder();
        const lines = chunks.flatMap((chunk) => {
          const decoded = decoder.push(chunk);
          expect(decoder.pendingBytes).toBeLessThan(decoder.maxLineBytes);
          return decoded;
        });
        for (const line of [...lines, ...decoder.end()]) {
          if (line.kind === "line")
            expect(new TextEncoder().encode(line.text).length).toBeLessThanOrEqual(510);
          else expect(["too-long", "invalid-utf8", "forbidden-byte"]).toContain(line.reason);
        }
      }),
      RUNS,
    );
  });

  it("parses any line as an IRC message (or ERR_CHAT_SYNTAX) and as a plain command", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (line) => {
        try {
          expect(typeof parseIrcMessage(line).command).toBe("string");
        } catch (error) {
          expect(error).toBeInstanceOf(SocklabError);
          expect((error as SocklabError).code).toBe("ERR_CHAT_SYNTAX");
        }
        const command = parsePlainCommand(line.startsWith("/") ? line : `/${line}`);
        const kinds = [
          "say",
          "missing-argument",
          "unknown",
          ...Object.keys(PLAIN_COMMANDS).map((c) => c.replace(/^\//, "")),
        ];
        expect(kinds).toContain(command.kind);
      }),
      RUNS,
    );
  });
});

describe("the length-prefix decoder under random bytes", () => {
  it("gives frames or ERR_FRAME_TOO_LARGE, and never holds more than one frame", () => {
    const maxFrameBytes = 1024;
    fc.assert(
      fc.property(chunkedBytes, (chunks) => {
        const decoder = new LengthPrefixedDecoder(maxFrameBytes);
        try {
          for (const chunk of chunks) {
            for (const frame of decoder.push(chunk)) expect(frame.length).toBeLessThanOrEqual(maxFrameBytes);
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(4 + maxFrameBytes + chunk.length);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(SocklabError);
          expect((error as SocklabError).code).toBe("ERR_FRAME_TOO_LARGE");
        }
      }),
      RUNS,
    );
  });
});
