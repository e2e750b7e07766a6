import { describe, expect, it } from "vitest";
import { isHealthcheckLine } from "./is-healthcheck-line.ts";

const line = (peer: string) => JSON.stringify({ service: "tcp-echo", event: "open", peer });

describe("isHealthcheckLine", () => {
  it("takes a connection from the container's own loopback for the healthcheck", () => {
    expect(isHealthcheckLine(line("127.0.0.1:41000"))).toBe(true);
    expect(isHealthcheckLine(line("[::1]:41000"))).toBe(true);
    expect(isHealthcheckLine(line("[::ffff:127.0.0.1]:41000"))).toBe(true);
  });

  it("keeps connections from the lab, lines without a peer, and lines that are not JSON", () => {
    expect(isHealthcheckLine(line("172.18.0.3:41000"))).toBe(false);
    expect(
      isHealthcheckLine(JSON.stringify({ event: "listening", message: "tcp-echo listening on [::]:7" })),
    ).toBe(false);
    expect(isHealthcheckLine("plain text from 127.0.0.1")).toBe(false);
    expect(isHealthcheckLine("{not json")).toBe(false);
  });
});
