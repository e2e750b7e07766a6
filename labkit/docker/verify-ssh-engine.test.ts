import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClientFor } from "./docker-client.ts";
import { verifySshEngine } from "./verify-ssh-engine.ts";

// Port 1 on loopback: nothing there, and a key that cannot be read fails before any connection.
const ENGINE = "ssh://lab@127.0.0.1:1";

describe("verifySshEngine", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "socklab-ssh-key-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("says a mangled key file is the key's fault (ERR_SSH_AUTH), not the engine's", async () => {
    const keyFile = path.join(dir, "id_cut");
    await writeFile(
      keyFile,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    const docker = dockerClientFor(ENGINE, undefined, {
      identityFile: keyFile,
      knownHostsFile: path.join(dir, "known_hosts"),
    });
    const error = await verifySshEngine(docker, ENGINE).catch((thrown: unknown) => thrown as Error);
    expect(error).toMatchObject({ code: "ERR_SSH_AUTH" });
    expect(error?.message).toMatch(
      /cannot use the key in .*id_cut for ssh:\/\/lab@127\.0\.0\.1:1: Cannot parse privateKey/,
    );
  });

  it("says nothing answers where no ssh server listens (ERR_ENGINE_UNREACHABLE)", async () => {
    const keyFile = path.join(dir, "id_any");
    // Any well-formed unencrypted key will do: the connection is refused before it is offered.
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
    const docker = dockerClientFor(ENGINE, undefined, {
      identityFile: keyFile,
      knownHostsFile: path.join(dir, "known_hosts"),
    });
    await expect(verifySshEngine(docker, ENGINE)).rejects.toMatchObject({
      code: "ERR_ENGINE_UNREACHABLE",
      message: expect.stringMatching(/no ssh server answers at .*ECONNREFUSED/) as unknown,
    });
  });
});
