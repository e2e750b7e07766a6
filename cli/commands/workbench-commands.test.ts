// `socklab shell` runs as the real CLI (a child process), as in the workbench, where it runs bash itself.
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes.ts";
import { socklab } from "../test-support/start-socklab.ts";

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("socklab shell COMMAND...", () => {
  it.each([
    ["without --", ["shell", "printf", "-v", "x", "%s", "hi;", "echo", "-n", "$x"]],
    ["after --", ["shell", "--", "printf", "-v", "x", "%s", "hi;", "echo", "-n", "$x"]],
    ["as one quoted line", ["shell", "printf -v x %s hi; echo -n $x"]],
  ])("passes the command's own options on to it, %s", async (_how, args) => {
    const run = await socklab(args, cleanups);
    expect(run).toMatchObject({ exitCode: EXIT.ok, stdout: "hi", stderr: "" });
  });

  it("passes an option named like one of socklab's (--help) on to the command", async () => {
    const run = await socklab(["shell", "echo", "--help"], cleanups);
    expect(run).toMatchObject({ exitCode: EXIT.ok, stdout: "--help\n" });
  });

  it("still shows its own help for socklab shell --help", async () => {
    const run = await socklab(["shell", "--help"], cleanups);
    expect(run.exitCode).toBe(EXIT.ok);
    // The help names the command as it was started: `npx socklab` under npm, `node …/main.ts` by path.
    expect(run.stdout).toMatch(/Usage: (npx socklab|socklab|node \S*main\.ts) shell /);
  });

  it("exits with the command's own exit code", async () => {
    const run = await socklab(["shell", "exit", "7"], cleanups);
    expect(run.exitCode).toBe(7);
  });
});

describe("socklab capture SERVICE", () => {
  it("exits 2 on an output file in a folder that does not exist, in one line, before starting anything", async () => {
    const run = await socklab(["capture", "tcp-echo", "-o", "no-such-folder/x.pcap"], cleanups, {
      inWorkbench: false,
    });
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toBe(
      "socklab: ENOENT: cannot write no-such-folder/x.pcap: no such folder: no-such-folder\n",
    );
  });
});
