import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { SocklabError } from "../../protocol/socklab-error.ts";

const execFileAsync = promisify(execFile);

/** socklab's own lab: the compose file at this package's root, whatever the working directory. */
export const SOCKLAB_ROOT = findPackageRoot(import.meta.dirname);
export const SOCKLAB_COMPOSE_FILE = path.join(SOCKLAB_ROOT, "docker-compose.yml");

/** Which compose project a command or a test is about, as `docker compose -f ... -p ...` names it. */
export interface ComposeProject {
  /** Absolute paths of the compose files, in the order they are layered. */
  files: string[];
  /** -p; when absent, compose decides (COMPOSE_PROJECT_NAME, the first file's `name:`, its folder). */
  projectName?: string;
}

export interface ComposeProjectOptions {
  /** -f values; relative paths are taken from `cwd`. */
  files?: readonly string[];
  projectName?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolves compose files the way `docker compose` does: -f, else COMPOSE_FILE (split on
 * COMPOSE_PATH_SEPARATOR, ":" by default), else socklab's own lab. A missing file is
 * ERR_COMPOSE_FILE_MISSING, naming it, before anything is started.
 */
export function resolveComposeProject(options: ComposeProjectOptions = {}): ComposeProject {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env["COMPOSE_FILE"]?.split(env["COMPOSE_PATH_SEPARATOR"] ?? ":").filter(Boolean);
  const given = options.files?.length ? options.files : fromEnv?.length ? fromEnv : [SOCKLAB_COMPOSE_FILE];
  const files = given.map((file) => path.resolve(cwd, file));
  requireComposeFiles(files, `resolved from ${cwd}`);
  const projectName = options.projectName ?? (env["COMPOSE_PROJECT_NAME"] || undefined);
  return { files, ...(projectName ? { projectName } : {}) };
}

/** ERR_COMPOSE_FILE_MISSING naming each file that is not there; `where` says how they were found. */
export function requireComposeFiles(files: readonly string[], where: string): void {
  // Checked here, not left to compose: its message does not say which of several files is missing.
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0)
    throw new SocklabError(
      "ERR_COMPOSE_FILE_MISSING",
      `no such compose file: ${missing.join(", ")} (${where})`,
    );
}

// The repository runs this file from labkit/compose/, the package from dist/labkit/compose/: the
// root is the nearest folder up whose package.json is socklab's.
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "socklab"
    )
      return dir;
    if (path.dirname(dir) === dir) return path.join(from, "..", "..");
  }
}

/** `-f a -f b [-p name]`, for a docker compose command line. */
export function composeArgs(project: ComposeProject): string[] {
  const files = project.files.flatMap((file) => ["-f", file]);
  return project.projectName ? [...files, "-p", project.projectName] : files;
}

/** What a message calls the project: its name, or the files it comes from. */
export function describeComposeProject(project: ComposeProject): string {
  if (project.projectName) return `compose project ${project.projectName}`;
  if (project.files.length === 1 && project.files[0] === SOCKLAB_COMPOSE_FILE)
    return "compose project socklab";
  return `the compose project of ${project.files.join(", ")}`;
}

/** The services the compose files define (`docker compose config --services`), sorted. */
export async function listComposeServices(project: ComposeProject): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync(
      "docker",
      ["compose", ...composeArgs(project), "config", "--services"],
      {
        maxBuffer: 4 * 1024 * 1024,
      },
    );
    return stdout.split("\n").filter(Boolean).sort();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? "";
    throw new SocklabError(
      "ERR_COMPOSE_FAILED",
      `docker compose cannot read ${project.files.join(", ")}: ${stderr || (error as Error).message}`,
      { cause: error },
    );
  }
}

/** ERR_UNKNOWN_SERVICE (exit 2) for the first name the project does not define, listing those it does. */
export async function requireKnownServices(
  project: ComposeProject,
  names: readonly string[],
): Promise<string[]> {
  if (names.length === 0) return listComposeServices(project);
  const services = await listComposeServices(project);
  const unknown = names.filter((name) => !services.includes(name));
  if (unknown.length > 0) {
    throw new SocklabError(
      "ERR_UNKNOWN_SERVICE",
      `no service ${unknown.map((n) => JSON.stringify(n)).join(", ")} in ${describeComposeProject(project)}; its services: ${services.join(", ")}`,
    );
  }
  return services;
}
