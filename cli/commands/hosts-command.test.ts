// `socklab hosts` as the real CLI on the host, with no Docker engine: a missing hosts file is the
// learner's to create, and the error says where it was looked for and how to write one.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.ts";
import { socklab } from "../test-support/start-socklab.ts";

const cleanups: (() => Promise<unknown>)[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "socklab-hosts-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const onTheHost = (args: string[]) => socklab(args, cleanups, { cwd: dir, inWorkbench: false });

describe("socklab hosts without a hosts file", () => {
  it.each([["up"], ["status"], ["netstat"], ["down"]])(
    "hosts %s exits 2 with ERR_HOSTS_FILE_MISSING, the file it looked for and how to create it",
    async (subcommand) => {
      const run = await onTheHost(["hosts", subcommand]);
      expect(run.exitCode).toBe(EXIT.usage);
      const [line, ...rest] = run.stderr.trimEnd().split("\n");
      expect(rest).toEqual([]);
      expect(line).toMatch(/^socklab: ERR_HOSTS_FILE_MISSING: /);
      expect(line).toContain(path.join(dir, "socklab.hosts.json"));
      expect(line).toContain("--hosts-file");
      expect(line).toContain("SOCKLAB_HOSTS_FILE");
      expect(line).toContain('{"hosts":[{"name":"h1","context":');
      expect(line).toContain("docs/cross-host.md");
    },
  );

  it("names the file --hosts-file gave, when that one is missing", async () => {
    const run = await onTheHost(["hosts", "status", "--hosts-file", "lab-hosts.json"]);
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toContain(`ERR_HOSTS_FILE_MISSING: no hosts file ${path.join(dir, "lab-hosts.json")}`);
    expect(run.stderr).toContain("(named by --hosts-file)");
  });

  it("keeps the cause of a hosts file that exists but cannot be read", async () => {
    const run = await onTheHost(["hosts", "status", "--hosts-file", "."]);
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/ERR_HOSTS_FILE: cannot read the hosts file .*: EISDIR/);
  });
});
