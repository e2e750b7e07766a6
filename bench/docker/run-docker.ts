import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SocklabError } from "../../protocol/socklab-error.ts";

const execFileAsync = promisify(execFile);

/** Runs the docker CLI and returns its trimmed stdout; a non-zero exit is an error with its stderr. */
export async function runDocker(args: readonly string[], options: { cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync("docker", [...args], {
      cwd: options.cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new SocklabError("ERR_BENCH_DOCKER", `docker ${args.join(" ")} failed: ${stderr.trim()}`, {
      cause: error,
    });
  }
}
