// Every codec fed bytes it did not expect: random, truncated, cut anywhere. Each must answer with
// a defined result or a defined error, never an escaping exception, and never buffer without bound.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPlainServerLine } from "./chat/format-plain-server-line.ts";
import { LineDecoder } from "./chat/line-decoder.ts";
import { parseIrcMessage } from "./chat/parse-irc-message.ts";
import { PLAIN_COMMANDS, parsePlainCommand } from "./chat/parse-plain-command.ts";
import { parsePlainServerLine } from "./chat/parse-plain-server-line.ts";
import { FILE_TRANSFER_ERRORS } from "./file-transfer/file-transfer-errors.ts";
import { FrameDecoder } from "./file-transfer/frame-decoder.ts";
import { parseRequest } from "./file-transfer/parse-request.ts";
import { parseReply } from "./file-transfer/parse-reply.ts";
import {
  LENGTH_HEADER_BYTES,
  LengthPrefixedDecoder,
  encodeLengthPrefixed,
} from "./framing/length-prefixed.ts";
import { SocklabError } from "./socklab-error.ts";
import { cutIntoReads } from "./test-support/byte-reads.ts";

// Arbitraries say `size: "max"`: by default they generate at most about 10 bytes or elements,
// whatever maxLength. A failure prints its seed and path (replay with { seed, path }); shrinking a
// few kilobytes byte by byte can take minutes, so a run stops after 10 s with the smallest case yet.
const RUNS = { numRuns: 300, plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] };

/** Random bytes cut into random chunks, down to single bytes. */
const chunkedBytes = fc
  .tuple(
    fc.uint8Array({ maxLength: 4096, size: "max" }),
    fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 512 })), { minLength: 1, maxLength: 16 }),
  )
  .map(([bytes, sizes]) => cutIntoReads(bytes, sizes));

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
      fc.property(fc.string({ maxLength: 600, size: "max" }), (line) => {
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
  const maxFrameBytes = 1024;
  // Mostly whole frames, then headers announcing too much and noise: random bytes alone would almost
  // never hold a header small enough to frame anything.
  const stream = fc
    .array(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.uint8Array({ maxLength: maxFrameBytes, size: "max" }).map(encodeLengthPrefixed),
        },
        {
          weight: 1,
          arbitrary: fc
            .oneof(
              fc.integer({ min: maxFrameBytes + 1, max: maxFrameBytes + 16 }),
              fc.integer({ min: maxFrameBytes + 1, max: 0xffff_ffff }),
            )
            .map((length) => {
              const header = new Uint8Array(LENGTH_HEADER_BYTES);
              new DataView(header.buffer).setUint32(0, length, false);
              return header;
            }),
        },
        // Noise desynchronises the stream: what follows is read as a header, mostly too large.
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64, size: "max" }) },
      ),
      { maxLength: 12 },
    )
    .map((parts) => Uint8Array.from(parts.flatMap((part) => [...part])));

  it("gives frames up to the limit, at most one fatal ERR_FRAME_TOO_LARGE last, and a defined end", () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.integer({ min: 1, max: 2048 }), { minLength: 1, maxLength: 16 }),
        (bytes, sizes) => {
          const decoder = new LengthPrefixedDecoder({ maxFrameBytes });
          const events = cutIntoReads(bytes, sizes).flatMap((chunk) => {
            const completed = decoder.push(chunk);
            expect(decoder.bufferedBytes).toBeLessThan(LENGTH_HEADER_BYTES + maxFrameBytes);
            return completed;
          });
          const fatal = events.findIndex((event) => event.kind === "fatal");
          expect(fatal === -1 || fatal === events.length - 1).toBe(true);
          for (const event of events) {
            if (event.kind === "frame") expect(event.payload.length).toBeLessThanOrEqual(maxFrameBytes);
            else expect(event.code).toBe("ERR_FRAME_TOO_LARGE");
          }
          const end = decoder.end();
          if (fatal !== -1) expect(end).toMatchObject({ clean: false, code: "ERR_FRAME_TOO_LARGE" });
          else if (decoder.bufferedBytes > 0) expect(end).toMatchObject({ code: "ERR_TRUNCATED_FRAME" });
          else expect(end).toEqual({ clean: true });
        },
      ),
      RUNS,
    );
  });
});

describe("file-transfer reply validation under random headers", () => {
  const OPS = ["put", "get", "list", "stat", "delete"] as const;
  const field = fc.constantFrom(
    "ok",
    "id",
    "op",
    "status",
    "name",
    "size",
    "sha256",
    "offset",
    "modifiedMs",
    "files",
    "more",
    "code",
    "message",
  );
  const plausible = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(true, false, null, 0, -1, 1.5, 2 ** 53, "ready", "stored", "x", "../x", "f".repeat(64)),
    fc.constantFrom(...OPS),
    fc.array(fc.dictionary(field, fc.jsonValue(), { maxKeys: 4 }), { maxLength: 3 }),
  );
  const anyHeader = fc.oneof(
    fc.dictionary(fc.oneof(field, fc.string()), plausible),
    fc.jsonValue().map((value) => ({ value })),
  );

  it("answers any JSON object with a reply to the op sent, or ERR_BAD_REPLY with its cause", () => {
    fc.assert(
      fc.property(anyHeader, fc.constantFrom(...OPS), (header, op) => {
        // Through JSON, as a header arrives: own properties only, "__proto__" included.
        const parsedHeader = JSON.parse(JSON.stringify(header)) as Record<string, unknown>;
        let reply;
        try {
          reply = parseReply(parsedHeader, op);
        } catch (error) {
          expect(error).toBeInstanceOf(SocklabError);
          expect((error as SocklabError).code).toBe("ERR_BAD_REPLY");
          expect((error as SocklabError).cause).toBeInstanceOf(SocklabError);
          return;
        }
        if (reply.ok) expect(reply.op).toBe(op);
        else expect(typeof reply.code).toBe("string");
        // What was accepted reads back the same: the client may store and re-read it.
        expect(parseReply(JSON.parse(JSON.stringify(reply)) as Record<string, unknown>, op)).toEqual(reply);
      }),
      RUNS,
    );
  });

  it("frames any JSON value as a header or a defined invalid event, never an exception", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...OPS), (value, op) => {
        const json = new TextEncoder().encode(JSON.stringify(value));
        const frame = new Uint8Array(LENGTH_HEADER_BYTES + json.length);
        new DataView(frame.buffer).setUint32(0, json.length, false);
        frame.set(json, LENGTH_HEADER_BYTES);
        for (const event of new FrameDecoder().push(frame)) {
          if (event.kind === "invalid") expect(event.code).toBe("NOT_AN_OBJECT");
          else if (event.kind !== "header") expect.unreachable(`a ${event.kind} event`);
          else {
            try {
              parseReply(event.header, op);
            } catch (error) {
              expect(error).toBeInstanceOf(SocklabError);
              expect((error as SocklabError).code).toBe("ERR_BAD_REPLY");
            }
          }
        }
      }),
      RUNS,
    );
  });
});

describe("the plain chat client's line parser under random lines", () => {
  const KINDS = [
    "message",
    "private",
    "join",
    "part",
    "nick",
    "quit",
    "members",
    "info",
    "question",
    "error",
    "irc",
    "unknown",
  ];
  // Pieces of every line kind, glued in any order with noise: most lines come near a real one.
  const piece = fc.oneof(
    fc.constantFrom("* ", "- ", "? ", "! ", ":", "ERROR ", "[private] ", "members of ", "nick: ", "ping: "),
    fc.constantFrom(" joined ", " left ", " is now known as ", " quit ", "(", ")", ": ", " ", "  "),
    fc.constantFrom("bob", "#lab", "a-b", "[x]", "ERR_X", "PRIVMSG", "0", "007", "9".repeat(400)),
    fc.constantFrom("\0", "\t", "\x1b[2J", "\x7f", "\u0085", "\u2028", "\ufeff", "\ud800", "\r", "\n"),
    fc.string({ unit: "binary", maxLength: 20 }),
  );
  // Counts up to 400 digits: past 2^53 a number no longer reads back as written.
  const digits = fc.oneof(
    fc.nat().map(String),
    fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 400 })).map(([digit, length]) => `${digit}`.repeat(length)),
  );
  const line = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join("")),
    fc
      .tuple(digits, fc.array(piece, { maxLength: 4 }))
      .map(([total, nicks]) => `- members of #lab (${total}): ${nicks.join(" ")}`),
    fc.string({ unit: "binary", maxLength: 600, size: "max" }),
    fc.string({ unit: "binary-ascii", minLength: 5_000, maxLength: 20_000, size: "max" }),
  );

  it("reads any line as a line of a known kind, and a plain one formats back to the same reading", () => {
    fc.assert(
      fc.property(line, (text) => {
        const parsed = parsePlainServerLine(text);
        expect(KINDS).toContain(parsed.kind);
        if (parsed.kind === "unknown") expect(parsed.line).toBe(text);
        else if (parsed.kind !== "irc")
          expect(parsePlainServerLine(formatPlainServerLine(parsed))).toEqual(parsed);
      }),
      RUNS,
    );
  });
});
