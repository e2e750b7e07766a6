// bin/socklab.js on the machine's own `node` (Node 20 on this project's machines), not the pinned one.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };

const execFileAsync = promisify(execFile);
const LAUNCHER = path.join(import.meta.dirname, "socklab.js");

// PATH without node_modules/.bin, where npm scripts put the pinned Node first: the learner's own.
const machinePath = (process.env["PATH"] ?? "")
  .split(path.delimiter)
  .filter((dir) => !dir.includes(`node_modules${path.sep}.bin`))
  .join(path.delimiter);

describe("bin/socklab.js", () => {
  it("runs the CLI from the machine's own node, whatever its version", async () => {
    const machine = await execFileAsync("node", ["--version"], {
      env: { ...process.env, PATH: machinePath },
    });
    const { stdout } = await execFileAsync("node", [LAUNCHER, "--version"], {
      env: { ...process.env, PATH: machinePath },
    });
    expect(stdout.trim()).toBe(packageJson.version);
    expect(machine.stdout).toMatch(/^v\d+\./);
  });

  it("passes the CLI's exit code through (2 for an unknown command)", async () => {
    const run = execFileAsync("node", [LAUNCHER, "no-such-command"], {
      env: { ...process.env, PATH: machinePath },
    });
    await expect(run).rejects.toMatchObject({ code: 2 });
  });
});
