import { describe, expect, it } from "vitest";
import { validateName } from "./validate-name.ts";

describe("validateName", () => {
  it.each([
    ["", "NAME_EMPTY"],
    ["a\0b", "NAME_NUL"],
    ["\0", "NAME_NUL"],
    ["x".repeat(256), "NAME_TOO_LONG"],
    ["€".repeat(86), "NAME_TOO_LONG"], // 258 UTF-8 bytes in 86 characters
    ["bad\ud800", "NAME_INVALID_UNICODE"],
    ["line\nbreak", "NAME_CONTROL_CHAR"],
    ["del\u007f", "NAME_CONTROL_CHAR"],
    ["/etc/passwd", "NAME_ABSOLUTE"],
    ["/../x", "NAME_ABSOLUTE"],
    ["\\windows", "NAME_ABSOLUTE"],
    ["C:boot.ini", "NAME_ABSOLUTE"],
    ["..", "NAME_DOT_DOT"],
    ["../x", "NAME_DOT_DOT"],
    ["a/../b", "NAME_DOT_DOT"],
    ["a\\..", "NAME_DOT_DOT"],
    [".", "NAME_DOT"],
    ["a/b", "NAME_SEPARATOR"],
    ["./a", "NAME_SEPARATOR"],
    ["a\\b", "NAME_SEPARATOR"],
    [".socklab", "NAME_RESERVED"],
  ])("refuses %j with %s", (name, code) => {
    expect(validateName(name)).toMatchObject({ ok: false, code });
  });

  it.each([
    ["report.pdf"],
    ["résumé 2024.txt"],
    [".hidden"],
    ["..."],
    ["a..b"],
    [".socklab2"],
    ["x".repeat(255)],
    ["€".repeat(85)],
    ["名前.bin"],
  ])("accepts %j", (name) => {
    expect(validateName(name)).toEqual({ ok: true });
  });

  it("says which name and what is wrong with it", () => {
    expect(validateName("a/b")).toEqual({
      ok: false,
      code: "NAME_SEPARATOR",
      message: 'name "a/b" contains / or \\',
    });
  });
});
