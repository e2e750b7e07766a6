import { spawn } from "node:child_process";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** The compose file users run, next to this package's root, whatever the working directory. */
export const COMPOSE_FILE = path.join(import.meta.dirname, "..", "..", "docker-compose.yml");

export interface ComposeResult {
  exitCode: number;
  stdout: string;
}

export interface ComposeOptions {
  /** "inherit" shows compose's own output (progress of up/down); "capture" returns it. */
  output: "inherit" | "capture";
  projectName?: string;
}

/** Runs `docker compose -f <lab file> ...args` and resolves with its exit code and captured stdout. */
export function compose(args: readonly string[], options: ComposeOptions): Promise<ComposeResult> {
  const project = options.projectName ? ["-p", options.projectName] : [];
  const fullArgs = ["compose", "-f", COMPOSE_FILE, ...project, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn("docker", fullArgs, {
      stdio: ["inherit", options.output === "inherit" ? "inherit" : "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.on("error", (error) =>
      reject(
        new SocklabError("ERR_DOCKER_MISSING", `cannot run docker: ${error.message} (run npm run setup)`, {
          cause: error,
        }),
      ),
    );
    child.on("close", (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), stdout }));
  });
}

/** Removes socklab's images that a rebuild left untagged (labelled in the Dockerfile); nothing else. */
export async function pruneSupersededImages(): Promise<void> {
  await new Promise<void>((resolve) => {
    const args = [
      "image",
      "prune",
      "--force",
      "--filter",
      "dangling=true",
      "--filter",
      "label=org.socklab.image=true",
    ];
    spawn("docker", args, { stdio: "ignore" })
      .on("close", () => resolve())
      .on("error", () => resolve());
  });
}
