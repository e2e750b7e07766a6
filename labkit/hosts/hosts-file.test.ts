import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseHostsFile, readHostsFile } from "./hosts-file.ts";

describe("readHostsFile", () => {
  it("takes a relative certificate folder from beside the hosts file, not from where socklab runs", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "socklab-hosts-file-"));
    try {
      const file = path.join(dir, "socklab.hosts.json");
      const h2 = { name: "h2", dockerHost: "tcp://192.0.2.12:2376", advertiseAddress: "192.0.2.12" };
      await writeFile(file, JSON.stringify({ hosts: [{ ...h2, tlsCertPath: "certs/h2" }] }));
      expect(await readHostsFile(file)).toEqual([{ ...h2, tlsCertPath: path.join(dir, "certs", "h2") }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes an ssh key and known_hosts file named relatively from beside the hosts file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "socklab-hosts-file-"));
    try {
      const file = path.join(dir, "socklab.hosts.json");
      const h2 = { name: "h2", dockerHost: "ssh://lab@192.0.2.12:2222", advertiseAddress: "192.0.2.12" };
      const named = { ...h2, sshIdentityFile: "keys/id_h2", sshKnownHostsFile: "/etc/lab/known_hosts" };
      await writeFile(file, JSON.stringify({ hosts: [named] }));
      expect(await readHostsFile(file)).toEqual([
        {
          ...h2,
          sshIdentityFile: path.join(dir, "keys", "id_h2"),
          sshKnownHostsFile: "/etc/lab/known_hosts",
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

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
