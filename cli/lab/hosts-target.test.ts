import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.ts";
import { socklab } from "../test-support/start-socklab.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("a hosts file naming an ssh:// engine with a socket path, which socklab's ssh client cannot follow", () => {
  it.each([["up"], ["status"], ["down"]])(
    "stops `socklab %s` before it touches any host, with the code and what to do instead",
    async (command) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "socklab-ssh-hosts-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const hostsFile = path.join(dir, "hosts.json");
      const hosts = [
        { name: "h1", dockerHost: "unix:///nonexistent/h1.sock", advertiseAddress: "192.0.2.11" },
        {
          name: "h2",
          dockerHost: "ssh://lab@192.0.2.12/var/run/docker.sock",
          advertiseAddress: "192.0.2.12",
        },
      ];
      await writeFile(hostsFile, JSON.stringify({ hosts }));
      const run = await socklab(["--hosts-file", hostsFile, command], cleanups, { inWorkbench: false });
      expect(run.stderr).toMatch(/ERR_HOST_URL_UNSUPPORTED/);
      expect(run.stderr).toMatch(
        /host h2: socklab cannot reach ssh:\/\/lab@192\.0\.2\.12\/var\/run\/docker\.sock .*docs\/cross-host\.md/,
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.exitCode).toBe(EXIT.unsupported);
    },
  );
});
