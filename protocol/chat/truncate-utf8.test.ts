import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { truncateUtf8 } from "./truncate-utf8.ts";
import { utf8ByteLength } from "./utf8-byte-length.ts";

describe("truncateUtf8 and utf8ByteLength", () => {
  it("count bytes as TextEncoder does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });

  it("cut at a character boundary, to at most the bytes asked", () => {
    expect(truncateUtf8("héllo", 2)).toBe("h");
    expect(truncateUtf8("héllo", 3)).toBe("hé");
    expect(truncateUtf8("😀x", 3)).toBe("");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.nat(50), (text, maxBytes) => {
        const cut = truncateUtf8(text, maxBytes);
        expect(text.startsWith(cut)).toBe(true);
        expect(utf8ByteLength(cut)).toBeLessThanOrEqual(maxBytes);
      }),
    );
  });
});
