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

  it("reaches an ssh:// engine as the URL's user at its host and port, checking its host key", () => {
    const saved = process.env["SSH_AUTH_SOCK"];
    process.env["SSH_AUTH_SOCK"] = "/nonexistent/socklab-agent.sock";
    try {
      // docker-modem keeps its ssh settings on the modem, untyped.
      const modem = dockerClientFor("ssh://lab@192.0.2.1:2222").modem as unknown as {
        protocol: string;
        host: string;
        port: number;
        username: string;
        sshOptions: { agent?: string; hostVerifier?: unknown };
      };
      expect(modem).toMatchObject({ protocol: "ssh", host: "192.0.2.1", port: 2222, username: "lab" });
      expect(modem.sshOptions.agent).toBe("/nonexistent/socklab-agent.sock");
      expect(typeof modem.sshOptions.hostVerifier).toBe("function");
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, "SSH_AUTH_SOCK");
      else process.env["SSH_AUTH_SOCK"] = saved;
    }
  });

  it.each([
    ["an ssh:// socket path", "ssh://lab@192.0.2.1/run/docker.sock", "ERR_HOST_URL_UNSUPPORTED"],
    ["another scheme", "npipe:////./pipe/docker_engine", "ERR_HOST_URL_UNSUPPORTED"],
    ["no URL at all", "192.0.2.1:2375", "ERR_HOST_URL_INVALID"],
  ])("refuses %s with a code that says why", (_what, url, code) => {
    expect(() => dockerClientFor(url)).toThrow(expect.objectContaining({ code }));
  });

  it("refuses an ssh:// engine when it has no key to offer: no agent, no sshIdentityFile", () => {
    const saved = process.env["SSH_AUTH_SOCK"];
    Reflect.deleteProperty(process.env, "SSH_AUTH_SOCK");
    try {
      expect(() => dockerClientFor("ssh://lab@192.0.2.2")).toThrow(/sshIdentityFile/);
      expect(() => dockerClientFor("ssh://lab@192.0.2.2")).toThrow(
        expect.objectContaining({ code: "ERR_SSH_AUTH" }),
      );
    } finally {
      if (saved !== undefined) process.env["SSH_AUTH_SOCK"] = saved;
    }
  });
});
