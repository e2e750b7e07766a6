import { describe, expect, it } from "vitest";
import { parseHostsFile } from "./hosts-file.ts";

describe("parseHostsFile", () => {
  it("reads hosts named by DOCKER_HOST URLs or contexts", () => {
    const hosts = parseHostsFile(
      JSON.stringify({
        hosts: [
          { name: "h1", dockerHost: "unix:///run/h1.sock", advertiseAddress: "192.0.2.11" },
          { name: "rack-2", context: "rack-2", advertiseAddress: "192.0.2.12", tlsCertPath: "certs" },
        ],
      }),
      "socklab.hosts.json",
    );
    expect(hosts).toEqual([
      { name: "h1", dockerHost: "unix:///run/h1.sock", advertiseAddress: "192.0.2.11" },
      { name: "rack-2", context: "rack-2", advertiseAddress: "192.0.2.12", tlsCertPath: "certs" },
    ]);
  });

  it.each([
    ["not JSON", "{", "is not JSON"],
    ["no hosts", "{}", "at least one host"],
    ["no advertise address", '{"hosts":[{"name":"h1","dockerHost":"unix:///s"}]}', "needs advertiseAddress"],
    [
      "both a URL and a context",
      '{"hosts":[{"name":"h1","dockerHost":"unix:///s","context":"c","advertiseAddress":"192.0.2.1"}]}',
      "exactly one of dockerHost and context",
    ],
    ["a bad name", '{"hosts":[{"name":"H 1","context":"c","advertiseAddress":"192.0.2.1"}]}', "lower-case"],
    [
      "a name used twice",
      '{"hosts":[{"name":"h1","context":"a","advertiseAddress":"192.0.2.1"},{"name":"h1","context":"b","advertiseAddress":"192.0.2.2"}]}',
      "used twice",
    ],
  ])("refuses a file with %s (ERR_HOSTS_FILE)", (_what, text, message) => {
    expect(() => parseHostsFile(text, "f.json")).toThrow(
      expect.objectContaining({
        code: "ERR_HOSTS_FILE",
        message: expect.stringContaining(message) as string,
      }),
    );
  });
});
