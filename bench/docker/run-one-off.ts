import { execFile } from "node:child_process";
import type { ExecResult } from "../../labkit/lab/start-lab.ts";

/** `docker run --rm ...args` to the end: its exit code and outputs, whatever the exit code. */
export function runOneOff(args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile("docker", ["run", "--rm", ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ exitCode: typeof code === "number" ? code : -1, stdout, stderr });
    });
  });
}
