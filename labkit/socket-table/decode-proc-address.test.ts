import { describe, expect, it } from "vitest";
import { decodeProcAddress } from "./decode-proc-address.ts";

/** How a little-endian kernel prints the IPv6 address with these eight 16-bit groups. */
function procHex(groups: readonly number[]): string {
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(group, 2 * index));
  const words = [0, 4, 8, 12].map((offset) => bytes.readUInt32LE(offset).toString(16).padStart(8, "0"));
  return words.join("").toUpperCase();
}

describe("decodeProcAddress", () => {
  it("reverses the bytes of each 32-bit word, as a little-endian kernel prints them", () => {
    expect(decodeProcAddress("0100007F")).toEqual({ address: "127.0.0.1", v4Mapped: false });
    expect(decodeProcAddress("0300630A")).toEqual({ address: "10.99.0.3", v4Mapped: false });
    expect(decodeProcAddress("B80D0120000000000000000003000000")).toEqual({
      address: "2001:db8::3",
      v4Mapped: false,
    });
  });

  it("shows v4-mapped IPv6 as plain IPv4 and flags it", () => {
    expect(decodeProcAddress("0000000000000000FFFF00000300630A")).toEqual({
      address: "10.99.0.3",
      v4Mapped: true,
    });
  });

  it("compresses IPv6 as RFC 5952 says", () => {
    expect(decodeProcAddress("00000000000000000000000000000000")?.address).toBe("::");
    expect(decodeProcAddress("00000000000000000000000001000000")?.address).toBe("::1");
    expect(decodeProcAddress("000080FE000000000000000002000000")?.address).toBe("fe80::2");
    // One zero group stays; of two equal runs the first is compressed.
    expect(procHex([0x2001, 0xdb8, 0, 0, 0, 0, 0, 3])).toBe("B80D0120000000000000000003000000");
    expect(decodeProcAddress(procHex([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))?.address).toBe(
      "2001:db8:0:1:1:1:1:1",
    );
    expect(decodeProcAddress(procHex([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))?.address).toBe("2001:db8::1:0:0:1");
    expect(decodeProcAddress(procHex([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]))?.address).toBe("2001:db8:0:1::1");
    expect(decodeProcAddress(procHex([0, 0, 0, 0, 0, 0, 0xffff, 0]))?.address).toBe("::ffff:0");
    expect(decodeProcAddress(procHex([0xfe80, 0, 0, 0, 0, 0, 0, 0]))?.address).toBe("fe80::");
  });

  it("refuses lengths other than 8 or 32 hex digits, and non-hex", () => {
    expect(decodeProcAddress("0100007")).toBeUndefined();
    expect(decodeProcAddress("0100007F00")).toBeUndefined();
    expect(decodeProcAddress("0100007X")).toBeUndefined();
  });
});
