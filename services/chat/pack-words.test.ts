import { describe, expect, it } from "vitest";
import { packWords } from "./pack-words.ts";

describe("packWords", () => {
  it("fills each line up to the byte limit, in order", () => {
    expect(packWords(["alice", "bob", "carol", "dave"], 9)).toEqual(["alice bob", "carol", "dave"]);
    expect(packWords([], 10)).toEqual([]);
  });

  it("keeps 1,000 nicks within a NAMES line each, none lost", () => {
    const nicks = Array.from({ length: 1_000 }, (_, index) => `member${index}`);
    const lines = packWords(nicks, 400);
    expect(lines.every((line) => Buffer.byteLength(line) <= 400)).toBe(true);
    expect(lines.join(" ").split(" ")).toEqual(nicks);
  });
});
