import { describe, expect, it } from "vitest";
import { parseRequest } from "./parse-request.ts";

const SHA = "a".repeat(64);
const ANY_STRING: unknown = expect.any(String);

describe("parseRequest", () => {
  it("reads each op into a typed request", () => {
    expect(parseRequest({ op: "put", id: 1, name: "f", size: 3, sha256: SHA })).toEqual({
      ok: true,
      request: { op: "put", id: 1, name: "f", size: 3, sha256: SHA },
    });
    expect(parseRequest({ op: "get", id: "x", name: "f" })).toEqual({
      ok: true,
      request: { op: "get", id: "x", name: "f", offset: 0 },
    });
    expect(parseRequest({ op: "get", id: 2, name: "f", offset: 7, sha256: SHA })).toEqual({
      ok: true,
      request: { op: "get", id: 2, name: "f", offset: 7, sha256: SHA },
    });
    expect(parseRequest({ op: "list", id: 3 })).toEqual({ ok: true, request: { op: "list", id: 3 } });
    expect(parseRequest({ op: "list", id: 3, after: "m" })).toEqual({
      ok: true,
      request: { op: "list", id: 3, after: "m" },
    });
    expect(parseRequest({ op: "stat", id: 4, name: "f" })).toEqual({
      ok: true,
      request: { op: "stat", id: 4, name: "f" },
    });
    expect(parseRequest({ op: "delete", id: 5, name: "f" })).toEqual({
      ok: true,
      request: { op: "delete", id: 5, name: "f" },
    });
  });

  it("lowercases the sha256 and ignores fields it does not know", () => {
    const parsed = parseRequest({
      op: "put",
      id: 1,
      name: "f",
      size: 0,
      sha256: "AB".repeat(32),
      note: "hi",
    });
    expect(parsed).toEqual({
      ok: true,
      request: { op: "put", id: 1, name: "f", size: 0, sha256: "ab".repeat(32) },
    });
  });

  it.each([
    [{ op: "list" }, null, "BAD_ID"],
    [{ op: "list", id: "" }, null, "BAD_ID"],
    [{ op: "list", id: 1.5 }, null, "BAD_ID"],
    [{ op: "list", id: { n: 1 } }, null, "BAD_ID"],
    [{ op: "list", id: "x".repeat(129) }, null, "BAD_ID"],
    [{ id: 1 }, 1, "UNKNOWN_OP"],
    [{ id: 1, op: "rename" }, 1, "UNKNOWN_OP"],
    [{ id: 1, op: "toString" }, 1, "UNKNOWN_OP"],
    [{ id: 1, op: 5 }, 1, "UNKNOWN_OP"],
    [{ id: 1, op: "put", name: "f", sha256: SHA }, 1, "MISSING_FIELD"],
    [{ id: 1, op: "stat" }, 1, "MISSING_FIELD"],
    [{ id: 1, op: "put", name: "f", size: "12", sha256: SHA }, 1, "BAD_TYPE"],
    [{ id: 1, op: "stat", name: 5 }, 1, "BAD_TYPE"],
    [{ id: 1, op: "list", after: 3 }, 1, "BAD_TYPE"],
    [{ id: 1, op: "put", name: "f", size: null, sha256: SHA }, 1, "BAD_TYPE"],
    [{ id: 1, op: "put", name: "f", size: -1, sha256: SHA }, 1, "BAD_SIZE"],
    [{ id: 1, op: "put", name: "f", size: 1.5, sha256: SHA }, 1, "BAD_SIZE"],
    [{ id: 1, op: "put", name: "f", size: 2 ** 53, sha256: SHA }, 1, "BAD_SIZE"],
    [{ id: 1, op: "put", name: "f", size: Infinity, sha256: SHA }, 1, "BAD_SIZE"],
    [{ id: 1, op: "get", name: "f", offset: -5 }, 1, "BAD_OFFSET"],
    [{ id: 1, op: "get", name: "f", offset: 0.5 }, 1, "BAD_OFFSET"],
    [{ id: 1, op: "put", name: "f", size: 1, sha256: "abc" }, 1, "BAD_SHA256"],
    [{ id: 1, op: "put", name: "f", size: 1, sha256: "g".repeat(64) }, 1, "BAD_SHA256"],
    [{ id: 1, op: "get", name: "f", sha256: 7 }, 1, "BAD_TYPE"],
    [{ id: "q", op: "get", name: "../etc/passwd" }, "q", "NAME_DOT_DOT"],
    [{ id: 1, op: "delete", name: "" }, 1, "NAME_EMPTY"],
  ])("refuses %j: id %j, %s", (header, id, code) => {
    expect(parseRequest(header)).toMatchObject({ ok: false, id, code, message: ANY_STRING });
  });

  it("says what was expected and what came", () => {
    expect(parseRequest({ id: 9, op: "put", name: "f", size: -3, sha256: SHA })).toEqual({
      ok: false,
      id: 9,
      code: "BAD_SIZE",
      message: "size must be an integer in [0, 2^53 - 1]; got -3",
    });
  });
});
