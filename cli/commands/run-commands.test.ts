// `socklab run` as the real CLI on the host, with no Docker engine: what it refuses before starting anything.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.ts";
import { socklab } from "../test-support/start-socklab.ts";

const cleanups: (() => Promise<unknown>)[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "socklab-run-args-"));
  await writeFile(path.join(dir, "server.py"), "print('hi')\n");
  await writeFile(path.join(dir, "notes.txt"), "not a program\n");
  await mkdir(path.join(dir, "empty-folder"));
  await mkdir(path.join(dir, "2fast"));
  await writeFile(path.join(dir, "2fast", "server.js"), "\n");
  await mkdir(path.join(dir, "closed"));
  await writeFile(path.join(dir, "closed", "main.py"), "\n", { mode: 0o600 });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const onTheHost = (args: string[]) => socklab(args, cleanups, { cwd: dir, inWorkbench: false });

describe("socklab run: refused before anything starts", () => {
  it.each([
    ["a file that does not exist", ["run", "absent.py"], "socklab: ENOENT: cannot read absent.py: "],
    [
      "a file of no language it runs",
      ["run", "notes.txt"],
      /socklab: ERR_USAGE: notes\.txt: (npx socklab|socklab|node \S*main\.ts) run takes \.py/,
    ],
    [
      "a folder without a server file",
      ["run", "empty-folder"],
      "socklab: ERR_USAGE: empty-folder holds none of main.py",
    ],
    [
      "a name that is no host name",
      ["run", "server.py", "--name", "My_Server"],
      "socklab: ERR_USAGE: --name My_Server",
    ],
    [
      "a folder whose name is no host name, saying to choose one",
      ["run", "2fast"],
      'socklab: ERR_USAGE: 2fast gives the name "2fast": a name in the lab has lowercase letters, digits and -, starting with a letter (at most 31); choose one with --name',
    ],
    [
      "a file that the container's user could not read",
      ["run", "closed"],
      /socklab: ERR_USAGE: closed\/main\.py is not readable by others \(mode 0600\); .*chmod o\+r/,
    ],
    ["a port out of range", ["run", "server.py", "--port", "70000"], "expected PORT or PORT/udp"],
    ["a port of another protocol", ["run", "server.py", "--port", "53/sctp"], "expected PORT or PORT/udp"],
  ])("exits 2 on %s, in one line", async (_label, args, says) => {
    const run = await onTheHost(args);
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toMatch(says);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
