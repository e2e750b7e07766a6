import { describe, expect, it } from "vitest";
import { formatIrcHost } from "./format-irc-host.ts";

describe("formatIrcHost", () => {
  it("unmaps IPv4 and keeps a host from starting with a colon", () => {
    expect(formatIrcHost("::ffff:172.18.0.3")).toBe("172.18.0.3");
    expect(formatIrcHost("::1")).toBe("0::1");
    expect(formatIrcHost("fd00::3")).toBe("fd00::3");
    expect(formatIrcHost(undefined)).toBe("unknown");
  });
});
