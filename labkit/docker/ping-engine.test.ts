import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);
const PING_ENGINE = path.join(import.meta.dirname, "ping-engine.ts");

describe("pingEngine", () => {
  it("names the address it tried when no engine answers there", async () => {
    // A socket path that cannot exist: nothing is contacted but this machine's file system.
    const script = `import { pingEngine } from ${JSON.stringify(PING_ENGINE)};
try { await pingEngine(); console.log("answered"); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const { stdout } = await execFileAsync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/socklab-test.sock" },
    });
    const result = JSON.parse(stdout) as { code: string; message: string };
    expect(result.code).toBe("ERR_ENGINE_UNREACHABLE");
    expect(result.message).toContain("unix:///nonexistent/socklab-test.sock");
  });
});
