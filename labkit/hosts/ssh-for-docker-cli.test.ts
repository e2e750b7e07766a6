import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { sshForDockerCli } from "./ssh-for-docker-cli.ts";

const execFileAsync = promisify(execFile);
// vitest's workers end without the exit event that removes these folders.
const made: string[] = [];
const shim = (...args: Parameters<typeof sshForDockerCli>) => {
  const dir = sshForDockerCli(...args);
  made.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe("sshForDockerCli", () => {
  it("gives the docker CLI an ssh that checks host keys strictly, never prompts, and uses the named key alone", async () => {
    const dir = shim({ identityFile: "/keys/it's h2 100%", knownHostsFile: "/lab dir/known_hosts" });
    // ssh -G prints the options it would connect with, without connecting.
    const { stdout } = await execFileAsync(path.join(dir, "ssh"), ["-G", "-p", "2222", "lab@192.0.2.12"]);
    const lines = stdout.split("\n");
    for (const line of [
      "batchmode yes",
      "stricthostkeychecking true",
      "userknownhostsfile /lab dir/known_hosts",
      // ssh expands tokens when it connects: %% is a literal %.
      "identityfile /keys/it's h2 100%%",
      "identitiesonly yes",
      "port 2222",
    ])
      expect(lines).toContain(line);
  });

  it("makes one such ssh per key and known_hosts file", () => {
    const first = shim({ knownHostsFile: "/lab/a" });
    expect(shim({ knownHostsFile: "/lab/a" })).toBe(first);
    expect(shim({ knownHostsFile: "/lab/b" })).not.toBe(first);
  });
});
