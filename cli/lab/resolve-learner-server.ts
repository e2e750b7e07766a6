import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { checkUploadSource } from "../local-files/check-upload-source.ts";
import { localFileError } from "../local-files/local-file-error.ts";
import { socklabCommand } from "../output/invoked-as.ts";
import type { LearnerServerFile } from "./learner-server-run-args.ts";

// A bound on what one run mounts beside its file: a folder of modules, not a whole home.
export const MAX_NEIGHBOUR_SOURCES = 64;
// A bound on a folder's files, each a mount of its own.
export const MAX_FOLDER_FILES = 256;
// What runs a file, by its extension (Node 24 runs .ts by stripping the types).
const INTERPRETER_BY_EXTENSION: Readonly<Record<string, readonly string[]>> = {
  ".py": ["python3", "-u"],
  ".js": ["node"],
  ".mjs": ["node"],
  ".cjs": ["node"],
  ".ts": ["node"],
};
// In a folder, the first of these that exists is the server.
export const FOLDER_ENTRY_FILES = ["main.py", "server.py", "main.js", "server.js", "index.js"] as const;

export interface ResolvedServer {
  files: LearnerServerFile[];
  entryFile: string;
  interpreter: readonly string[];
  /** Its name in the lab unless --name says otherwise: the folder's name, or the file's. */
  defaultName: string;
}

/**
 * What `socklab run FILE` runs: a file by its extension, with the files beside it in its language; a
 * folder by the first entry file it holds, with all its files. Refuses (ERR_USAGE, exit 2) what the
 * container's user could not read, before anything starts.
 */
export async function resolveLearnerServer(file: string): Promise<ResolvedServer> {
  const hostPath = path.resolve(file);
  const stats = await stat(file).catch((error: unknown) => {
    throw localFileError(error, `cannot read ${file}`);
  });
  if (stats.isDirectory()) return resolveFolder(file, hostPath);
  await checkUploadSource(file);
  const interpreter = interpreterFor(file);
  if (interpreter === undefined) {
    throw new SocklabError(
      "ERR_USAGE",
      `${file}: ${socklabCommand("run")} takes ${Object.keys(INTERPRETER_BY_EXTENSION).join(", ")} files`,
    );
  }
  const entryFile = path.basename(hostPath);
  const neighbours = await neighbourSources(hostPath, interpreter);
  const files = [hostPath, ...neighbours].map((p) => ({ hostPath: p, relativePath: path.basename(p) }));
  await requireReadableByOthers(files, file);
  return { files, entryFile, interpreter, defaultName: dnsName(path.basename(file, path.extname(file))) };
}

async function resolveFolder(folder: string, hostPath: string): Promise<ResolvedServer> {
  const files = await folderFiles(hostPath, folder);
  const entryFile = FOLDER_ENTRY_FILES.find((name) => files.some((f) => f.relativePath === name));
  if (entryFile === undefined)
    throw new SocklabError("ERR_USAGE", `${folder} holds none of ${FOLDER_ENTRY_FILES.join(", ")}`);
  await requireReadableByOthers(files, folder);
  return {
    files,
    entryFile,
    interpreter: interpreterFor(entryFile) ?? ["node"],
    defaultName: dnsName(path.basename(hostPath)),
  };
}

/**
 * Every file in `root` and its subfolders, but hidden ones and Python's caches, each to be mounted on
 * its own; a folder of more than MAX_FOLDER_FILES is refused (it is not a server's sources).
 */
async function folderFiles(root: string, asTyped: string): Promise<LearnerServerFile[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch((error: unknown) => {
    throw localFileError(error, `cannot read ${asTyped}`);
  });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter(
      (relative) => !relative.split(path.sep).some((part) => part.startsWith(".") || part === "__pycache__"),
    )
    .sort();
  if (files.length > MAX_FOLDER_FILES)
    throw new SocklabError(
      "ERR_USAGE",
      `${asTyped} holds ${files.length} files; ${socklabCommand("run")} mounts at most ${MAX_FOLDER_FILES}: give it a folder of your server's sources only`,
    );
  return files.map((relative) => ({
    hostPath: path.join(root, relative),
    relativePath: relative.split(path.sep).join("/"),
  }));
}

// The container's user (uid 10001) is none of the learner's: it reads what "others" may read.
async function requireReadableByOthers(files: readonly LearnerServerFile[], asTyped: string): Promise<void> {
  for (const file of files) {
    const { mode } = await stat(file.hostPath);
    if ((mode & 0o004) === 0)
      throw new SocklabError(
        "ERR_USAGE",
        `${path.relative(process.cwd(), file.hostPath) || asTyped} is not readable by others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); the server's container runs as another user: chmod o+r it`,
      );
  }
}

/**
 * The files beside `file` in its language (framing.py beside frame_echo.py), which `python3 FILE`
 * could import: each is mounted on its own, read-only, since the folder itself may be the user's
 * home, and hold much else.
 */
async function neighbourSources(file: string, interpreter: readonly string[]): Promise<string[]> {
  const folder = path.dirname(file);
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && entry.name !== path.basename(file))
    .filter((entry) => interpreterFor(entry.name)?.[0] === interpreter[0])
    .map((entry) => path.join(folder, entry.name))
    .sort()
    .slice(0, MAX_NEIGHBOUR_SOURCES);
}

function interpreterFor(file: string): readonly string[] | undefined {
  return INTERPRETER_BY_EXTENSION[path.extname(file)];
}

// "My_Server" -> "my-server": a DNS label, as the workbench reaches it.
function dnsName(base: string): string {
  return base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
