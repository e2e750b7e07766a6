import { randomBytes } from "node:crypto";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PROJECT_PREFIX } from "../../labkit/lab/lab-project.ts";
import { runSocklab } from "../support/run-socklab.ts";

// A compose project that is never started: every command below runs against nothing.
const NOT_UP = `${TEST_PROJECT_PREFIX}never-up-${randomBytes(3).toString("hex")}`;
const NOT_RUNNING = `the lab is not running (compose project ${NOT_UP} has no running container)`;
const NO_CONTAINER = `the lab is not running (compose project ${NOT_UP} has no container)`;

let hostDir: string;

beforeAll(async () => {
  hostDir = await mkdtemp(path.join(tmpdir(), "socklab-no-lab-"));
  await writeFile(path.join(hostDir, "notes.txt"), "some notes\n");
});

afterAll(async () => {
  await rm(hostDir, { recursive: true, force: true });
});

// What each command needs from the lab, and the message that says it is missing.
const NEEDS_A_LAB: readonly (readonly [args: readonly string[], message: string])[] = [
  [["echo", "hello"], NOT_RUNNING],
  [["echo", "--udp", "--count", "2", "hello"], NOT_RUNNING],
  [["ls"], NOT_RUNNING],
  [["rm", "notes.txt"], NOT_RUNNING],
  [["put", "{dir}/notes.txt"], NOT_RUNNING],
  [["get", "notes.txt", "{dir}/fetched.txt"], NOT_RUNNING],
  [["chat", "--nick", "nobody"], NOT_RUNNING],
  [["shell", "true"], NOT_RUNNING],
  [["netstat"], NOT_RUNNING],
  [["capture", "tcp-echo", "--seconds", "1", "--output", "{dir}/none.pcap"], NOT_RUNNING],
  [["tour"], NOT_RUNNING],
  [["trace", "--seconds", "1"], NOT_RUNNING],
  [["check", "4"], NOT_RUNNING],
  [["web", "--port", "0"], NOT_RUNNING],
  [["logs"], NO_CONTAINER],
  [["logs", "-f", "tcp-echo"], NO_CONTAINER],
];

describe("the socklab command with the lab not running", () => {
  it.each(NEEDS_A_LAB.map(([args, message]) => [args.join(" "), args, message] as const))(
    "socklab %s exits 5 and says the lab is not running, before touching anything",
    async (_, args, message) => {
      const result = await runSocklab(
        NOT_UP,
        args.map((arg) => arg.replace("{dir}", hostDir)),
        { input: "hello\n" },
      );
      expect(result.stderr).toContain(`socklab: ERR_LAB_DOWN: ${message}: start it with \`npm start\``);
      expect(result.exitCode).toBe(5);
      expect(result.stdout).toBe("");
      // Nothing was written where a get or a capture would have written.
      await expect(access(path.join(hostDir, "fetched.txt"))).rejects.toThrow();
      await expect(access(path.join(hostDir, "none.pcap"))).rejects.toThrow();
    },
  );

  it("status says the lab is not running and exits 5; --json prints an empty list", async () => {
    const table = await runSocklab(NOT_UP, ["status"]);
    expect(table.exitCode).toBe(5);
    expect(table.stdout).toContain("the lab is not running");
    expect(await runSocklab(NOT_UP, ["status", "--json"])).toMatchObject({ exitCode: 5, stdout: "[]\n" });
  });
});

const COMMANDS = [
  "up",
  "down",
  "status",
  "logs",
  "shell",
  "capture",
  "echo",
  "put",
  "get",
  "ls",
  "rm",
  "chat",
  "netstat",
  "tour",
  "trace",
  "check",
  "run",
  "stop",
  "fault",
  "hosts",
  "web",
];

describe("socklab --help", () => {
  it("lists every subcommand", async () => {
    const { exitCode, stdout } = await runSocklab(NOT_UP, ["--help"]);
    expect(exitCode).toBe(0);
    const listed = (stdout.split(/^Commands:\n/m)[1] ?? "")
      .split("\n")
      .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
      .filter((name) => name !== undefined && name !== "help");
    expect(listed.sort()).toEqual([...COMMANDS].sort());
  });

  it.each(COMMANDS)("socklab %s --help shows at least one example and the exit codes", async (command) => {
    const { exitCode, stdout } = await runSocklab(NOT_UP, [command, "--help"]);
    expect(exitCode).toBe(0);
    // Examples name the command as it was invoked: `npx socklab` under npm test or npx.
    expect(stdout).toMatch(new RegExp(`^Examples?:\\n {2}(npx )?socklab ${command}\\b`, "m"));
    expect(stdout).toMatch(/^Exit codes: .*\b0 /m);
    const needsALab = NEEDS_A_LAB.some(([args]) => args[0] === command) || command === "status";
    if (needsALab) expect(stdout).toMatch(/\b5 (the )?lab (is )?not running/);
  });
});
