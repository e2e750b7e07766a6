import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownHostKeys } from "./known-host-keys.ts";

// An ssh-ed25519 key blob: the type and the 32-byte public key, each as an ssh string.
function ed25519Blob(): Buffer {
  const der = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
  const sshString = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(der.subarray(-32))]);
}

describe("knownHostKeys", () => {
  let dir: string;
  const ours = ed25519Blob();
  const other = ed25519Blob();
  const line = (hosts: string, key: Buffer) => `${hosts} ssh-ed25519 ${key.toString("base64")}`;
  const write = async (lines: string[]) => {
    const file = path.join(dir, `known_hosts-${Math.random().toString(16).slice(2)}`);
    await writeFile(file, `${lines.join("\n")}\n`);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "socklab-known-hosts-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("knows a key listed for the host at port 22 by its bare name, and at another port as [host]:port", async () => {
    const file = await write(["# a comment", line("192.0.2.5", ours), line("[192.0.2.6]:2222", ours)]);
    expect(knownHostKeys([file], "192.0.2.5", 22).verdict(ours)).toBe("known");
    expect(knownHostKeys([file], "192.0.2.6", 2222).verdict(ours)).toBe("known");
    expect(knownHostKeys([file], "192.0.2.6", 22).verdict(ours)).toBe("unknown");
    expect(knownHostKeys([file], "192.0.2.5", 22).keyTypes).toEqual(["ssh-ed25519"]);
  });

  it("calls another key for a listed host changed, and any key of an unlisted host unknown", async () => {
    const file = await write([line("lab.example,192.0.2.7", ours)]);
    expect(knownHostKeys([file], "192.0.2.7", 22).verdict(other)).toBe("changed");
    expect(knownHostKeys([file], "192.0.2.8", 22).verdict(ours)).toBe("unknown");
    expect(knownHostKeys([path.join(dir, "missing")], "192.0.2.7", 22).verdict(ours)).toBe("unknown");
  });

  it("matches hashed names, wildcards and negations as OpenSSH does", async () => {
    const salt = Buffer.from("0123456789abcdef0123");
    const hash = createHmac("sha1", salt).update("[192.0.2.9]:2222").digest("base64");
    const file = await write([
      line(`|1|${salt.toString("base64")}|${hash}`, ours),
      line("192.0.2.1?,!192.0.2.13", other),
    ]);
    expect(knownHostKeys([file], "192.0.2.9", 2222).verdict(ours)).toBe("known");
    expect(knownHostKeys([file], "192.0.2.12", 22).verdict(other)).toBe("known");
    expect(knownHostKeys([file], "192.0.2.13", 22).verdict(other)).toBe("unknown");
  });

  it("refuses a key marked @revoked even where another line lists it", async () => {
    const file = await write([line("192.0.2.10", ours), `@revoked * ssh-ed25519 ${ours.toString("base64")}`]);
    expect(knownHostKeys([file], "192.0.2.10", 22).verdict(ours)).toBe("revoked");
  });
});
