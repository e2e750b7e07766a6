import { describe, expect, it } from "vitest";
import { parsePlacement } from "./parse-placement.ts";

describe("parsePlacement", () => {
  it("maps each service to its host", () => {
    expect(parsePlacement("tcp-echo=h2, workbench=h1", ["h1", "h2"])).toEqual({
      "tcp-echo": "h2",
      workbench: "h1",
    });
  });

  it.each([
    ["tcp-echo", "expected service=host"],
    ["tcp-echo=h9", "no host named h9"],
    ["chat=h1,chat=h2", "placed twice"],
  ])("refuses %s (ERR_PLACEMENT)", (text, message) => {
    expect(() => parsePlacement(text, ["h1", "h2"])).toThrow(
      expect.objectContaining({ code: "ERR_PLACEMENT", message: expect.stringContaining(message) as string }),
    );
  });
});
