import { describe, expect, it } from "vitest";
import { validateRoom } from "./validate-room.ts";

describe("validateRoom", () => {
  it.each(["#lab", "#a", "#node.js", "#c++", "#A_b-1", `#${"r".repeat(31)}`])("accepts %j", (room) => {
    expect(validateRoom(room)).toBeUndefined();
  });

  it.each([
    ["lab", /starts with #/],
    ["#", /at least one character/],
    [`#${"r".repeat(32)}`, /at most 32 characters, got 33/],
    ["#a b", /only letters/],
    ["#a,b", /only letters/],
    ["#café", /only letters/],
    ["&local", /starts with #/],
  ])("rejects %j with a reason", (room, reason) => {
    expect(validateRoom(room)).toMatch(reason);
  });
});
