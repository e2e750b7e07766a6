import { describe, expect, it } from "vitest";
import { dockerClientFor } from "./docker-client.ts";

describe("dockerClientFor", () => {
  it("gives one client per engine URL", () => {
    expect(dockerClientFor("unix:///run/a.sock")).toBe(dockerClientFor("unix:///run/a.sock"));
    expect(dockerClientFor("unix:///run/a.sock")).not.toBe(dockerClientFor("unix:///run/b.sock"));
    // docker-modem keeps where it connects on the modem, untyped.
    const modem = (url: string) =>
      dockerClientFor(url).modem as unknown as { socketPath?: string; host?: string };
    expect(modem("unix:///run/a.sock").socketPath).toBe("/run/a.sock");
    expect(modem("tcp://192.0.2.1:2375").host).toBe("192.0.2.1");
  });

  it("refuses ssh:// for the harness with a code that says why", () => {
    expect(() => dockerClientFor("ssh://lab@192.0.2.1")).toThrow(
      expect.objectContaining({ code: "ERR_HOST_URL_UNSUPPORTED" }),
    );
  });
});
