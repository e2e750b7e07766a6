import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "./encode-frame.ts";
import { FILE_TRANSFER_ERRORS } from "./file-transfer-errors.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";
import type { FileTransferOp, FileTransferReply } from "./file-transfer-messages.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { parseReply } from "./parse-reply.ts";
import { validateName } from "./validate-name.ts";
import { cutIntoReads } from "../test-support/byte-reads.ts";

const SHA = "b".repeat(64);
const utf8 = new TextEncoder();

// Each case encodes, cuts and decodes a few frames: 300 of them take well under a second. A failure
// prints its seed and path; its shrinking stops after 10 s with the smallest case yet.
const RUNS = { numRuns: 300, plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] };

/** Every value the server puts in a reply field, as file-transfer-connection.ts builds them. */
const id = fc.oneof(
  fc.maxSafeInteger(),
  fc
    .string({ unit: "binary", minLength: 1, maxLength: 64 })
    .filter((text) => utf8.encode(text).length <= FILE_TRANSFER_LIMITS.maxIdBytes),
);
const name = fc
  .oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
    fc.constantFrom("a", "é.bin", "..x", "x..", ".hidden", "C", "a".repeat(255)),
  )
  .filter((text) => validateName(text).ok);
const count = fc.maxSafeNat();
// The server replies with the lowercase form parseRequest gave it.
const sha256 = fc.stringMatching(/^[0-9a-f]{64}$/);

const serverReply: fc.Arbitrary<readonly [FileTransferReply, FileTransferOp]> = fc.oneof(
  fc
    .record({
      id,
      ok: fc.constant(true),
      op: fc.constant("put"),
      status: fc.constant("ready"),
      offset: count,
    })
    .map((reply) => [reply, "put"] as const),
  fc
    .record({
      id,
      ok: fc.constant(true),
      op: fc.constant("put"),
      status: fc.constant("stored"),
      name,
      size: count,
      sha256,
    })
    .map((reply) => [reply, "put"] as const),
  fc
    .record({
      id,
      ok: fc.constant(true),
      op: fc.constant("get"),
      name,
      size: count,
      sha256,
      modifiedMs: count,
      offset: count,
    })
    .map((reply) => [reply, "get"] as const),
  fc
    .record({
      id,
      ok: fc.constant(true),
      op: fc.constant("list"),
      files: fc.array(fc.record({ name, size: count, modifiedMs: count }), { maxLength: 20, size: "max" }),
      more: fc.boolean(),
    })
    .map((reply) => [reply, "list"] as const),
  fc
    .record({
      id,
      ok: fc.constant(true),
      op: fc.constant("stat"),
      name,
      size: count,
      sha256,
      modifiedMs: count,
    })
    .map((reply) => [reply, "stat"] as const),
  fc
    .record({ id, ok: fc.constant(true), op: fc.constant("delete"), name })
    .map((reply) => [reply, "delete"] as const),
  fc
    .tuple(
      fc.record({
        id: fc.option(id, { nil: null }),
        ok: fc.constant(false),
        code: fc.constantFrom(...Object.keys(FILE_TRANSFER_ERRORS)),
        message: fc.string({ unit: "binary", maxLength: 200, size: "max" }),
      }),
      fc.constantFrom<FileTransferOp>("put", "get", "list", "stat", "delete"),
    )
    .map(([reply, op]) => [reply, op] as const),
);

describe("parseReply", () => {
  it("reads every reply the server can encode back as itself, however the frames are cut", () => {
    fc.assert(
      fc.property(
        fc.array(serverReply, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }),
        (replies, sizes) => {
          const stream = Uint8Array.from(replies.flatMap(([reply]) => [...encodeFrame(reply)]));
          const decoder = new FrameDecoder();
          const parsed: FileTransferReply[] = [];
          for (const chunk of cutIntoReads(stream, sizes)) {
            for (const event of decoder.push(chunk)) {
              if (event.kind !== "header") expect.unreachable(`a ${event.kind} event`);
              parsed.push(parseReply(event.header, replies[parsed.length]?.[1] ?? "list"));
            }
          }
          expect(parsed).toEqual(replies.map(([reply]) => reply));
          expect(decoder.end()).toEqual({ clean: true });
        },
      ),
      RUNS,
    );
  });

  it("reads both put replies: ready with the resume offset, then stored", () => {
    expect(parseReply({ id: 1, ok: true, op: "put", status: "ready", offset: 10 }, "put")).toEqual({
      id: 1,
      ok: true,
      op: "put",
      status: "ready",
      offset: 10,
    });
    const stored = { id: 1, ok: true, op: "put", status: "stored", name: "f", size: 10, sha256: SHA };
    expect(parseReply(stored, "put")).toEqual(stored);
  });

  it("reads get, list, stat and delete replies", () => {
    const get = { id: 2, ok: true, op: "get", name: "f", size: 9, sha256: SHA, offset: 4, modifiedMs: 5 };
    expect(parseReply(get, "get")).toEqual(get);
    const list = { id: 3, ok: true, op: "list", files: [{ name: "f", size: 9, modifiedMs: 5 }], more: false };
    expect(parseReply(list, "list")).toEqual(list);
    const stat = { id: 4, ok: true, op: "stat", name: "f", size: 9, sha256: SHA, modifiedMs: 5 };
    expect(parseReply(stat, "stat")).toEqual(stat);
    expect(parseReply({ id: 5, ok: true, op: "delete", name: "f" }, "delete")).toEqual({
      id: 5,
      ok: true,
      op: "delete",
      name: "f",
    });
  });

  it("returns an error reply as data, even with a code this client does not know", () => {
    expect(parseReply({ id: null, ok: false, code: "IDLE_TIMEOUT", message: "bye" }, "list")).toEqual({
      id: null,
      ok: false,
      code: "IDLE_TIMEOUT",
      message: "bye",
    });
    expect(parseReply({ id: 1, ok: false, code: "FROM_THE_FUTURE", message: "?" }, "get")).toMatchObject({
      code: "FROM_THE_FUTURE",
    });
  });

  it.each([
    [{ id: 1, ok: true, op: "stat", name: "f", size: 1, sha256: SHA, modifiedMs: 1 }, "get"],
    [{ id: null, ok: true, op: "list", files: [], more: false }, "list"],
    [{ id: 1, ok: "yes", op: "list", files: [], more: false }, "list"],
    [{ id: 1, ok: true, op: "list", files: {}, more: false }, "list"],
    [{ id: 1, ok: true, op: "list", files: [{ name: "../x", size: 1, modifiedMs: 1 }], more: false }, "list"],
    [{ id: 1, ok: true, op: "put", status: "maybe" }, "put"],
    [{ id: 1, ok: true, op: "get", name: "f", size: -1, sha256: SHA, offset: 0, modifiedMs: 1 }, "get"],
    [{ id: 1, ok: false, message: "no code" }, "get"],
  ] as const)("throws BAD_REPLY for %j in answer to %s", (header, op) => {
    expect(() => parseReply(header, op)).toThrow(expect.objectContaining({ code: "ERR_BAD_REPLY" }));
  });
});
