import { describe, expect, it } from "vitest";
import { formatDuration } from "./format-duration.ts";

describe("formatDuration", () => {
  it("shows short spans in ms and long ones in whole seconds", () => {
    expect(formatDuration(150)).toBe("150 ms");
    expect(formatDuration(60_000)).toBe("60 s");
  });
});
