import { describe, expect, it } from "vitest";
import { validateNick } from "./validate-nick.ts";

describe("validateNick", () => {
  it.each(["alice", "Bob", "a", "[bot]", "x_y-z", "`^{|}\\", "n0", "a".repeat(16)])("accepts %j", (nick) => {
    expect(validateNick(nick)).toBeUndefined();
  });

  it.each([
    ["", /empty/],
    ["a".repeat(17), /at most 16 characters, got 17/],
    ["0day", /starts with a letter/],
    ["-dash", /starts with a letter/],
    ["two words", /only letters/],
    ["bob!", /only letters/],
    ["café", /only letters/],
    ["#lab", /only letters/],
    ["a:b", /only letters/],
  ])("rejects %j with a reason", (nick, reason) => {
    expect(validateNick(nick)).toMatch(reason);
  });
});
