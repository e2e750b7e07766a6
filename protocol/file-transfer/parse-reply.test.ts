import { describe, expect, it } from "vitest";
import { parseReply } from "./parse-reply.ts";

const SHA = "b".repeat(64);

describe("parseReply", () => {
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
