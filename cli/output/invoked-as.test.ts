import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hostSocklabCommand, invokedAs, withInvocation } from "./invoked-as.ts";

const execFileAsync = promisify(execFile);
const ROOT = path.join(import.meta.dirname, "..", "..");
const CWD = "/home/learner/socklab";

describe("invokedAs", () => {
  it("is `npx socklab` under npx and under npm scripts other than socklab's own", () => {
    expect(invokedAs({ npm_command: "exec" }, `${CWD}/node_modules/.bin/socklab`, CWD)).toBe("npx socklab");
    expect(invokedAs({ npm_lifecycle_event: "start" }, `${CWD}/cli/main.ts`, CWD)).toBe("npx socklab");
  });

  it("is `npm run socklab --` under that script", () => {
    expect(invokedAs({ npm_lifecycle_event: "socklab" }, `${CWD}/cli/main.ts`, CWD)).toBe(
      "npm run socklab --",
    );
  });

  it("is what the launcher says, then `socklab` for a bin on PATH, then `node` and the script's path", () => {
    expect(invokedAs({ SOCKLAB_INVOKED_AS: "node bin/socklab.js" }, `${CWD}/cli/main.ts`, CWD)).toBe(
      "node bin/socklab.js",
    );
    expect(invokedAs({}, "/usr/local/bin/socklab", "/")).toBe("socklab");
    expect(invokedAs({}, `${CWD}/cli/main.ts`, CWD)).toBe("node cli/main.ts");
  });
});

describe("hostSocklabCommand", () => {
  it("names a host-only command as the learner started socklab on the host, even from the workbench's socklab", () => {
    expect(hostSocklabCommand("run x.py", {}, "npx socklab")).toBe("npx socklab run x.py");
    // runInWorkbench passed the host's invocation into the workbench.
    expect(hostSocklabCommand("run x.py", { SOCKLAB_IN_WORKBENCH: "1" }, "node bin/socklab.js")).toBe(
      "node bin/socklab.js run x.py",
    );
  });

  it("is the README's `npx socklab` when the learner typed socklab in the workbench, where run cannot go", () => {
    expect(hostSocklabCommand("run x.py", { SOCKLAB_IN_WORKBENCH: "1" }, "socklab")).toBe(
      "npx socklab run x.py",
    );
    expect(hostSocklabCommand("run x.py", {}, "socklab")).toBe("socklab run x.py");
  });
});

describe("withInvocation", () => {
  const names = ["up", "netstat", "hosts"];

  it("rewrites `socklab <command>` wherever it stands, and nothing else", () => {
    const help =
      "Usage: socklab netstat [options]\nExamples:\n  socklab netstat --watch\n(then: `socklab up`)";
    expect(withInvocation(help, names, "npx socklab")).toBe(
      "Usage: npx socklab netstat [options]\nExamples:\n  npx socklab netstat --watch\n(then: `npx socklab up`)",
    );
    expect(withInvocation("socklab across 2 hosts; socklab: ERR_X", names, "npx socklab")).toBe(
      "socklab across 2 hosts; socklab: ERR_X",
    );
  });

  it("leaves a command that already says npx, and a name that only starts like a command", () => {
    expect(withInvocation("npx socklab up; socklab upgrade", names, "npx socklab")).toBe(
      "npx socklab up; socklab upgrade",
    );
  });
});

// Without npm's variables, as a learner's shell has them: the help must not depend on how vitest ran.
function learnerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_")));
  return { ...env, ...extra };
}

describe("--help, through the launcher", () => {
  it("prints every example as `npx socklab ...` when run by npx", async () => {
    const { stdout } = await execFileAsync("node", ["bin/socklab.js", "netstat", "--help"], {
      cwd: ROOT,
      env: learnerEnv({ npm_command: "exec" }),
    });
    expect(stdout).toContain("Usage: npx socklab netstat");
    expect(stdout).toContain("\n  npx socklab netstat --port 7 --state time-wait");
    expect(stdout).not.toMatch(/(?<!npx )socklab netstat/);
  });

  it("prints them as the launcher's path when it is run by path", async () => {
    const { stdout } = await execFileAsync("node", ["bin/socklab.js", "up", "--help"], {
      cwd: ROOT,
      env: learnerEnv(),
    });
    expect(stdout).toContain("\n  node bin/socklab.js up\n");
  });
});
