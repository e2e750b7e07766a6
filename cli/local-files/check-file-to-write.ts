import { access, constants, stat } from "node:fs/promises";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { localFileError } from "./local-file-error.ts";

/**
 * Checks that `file` (as the user typed it) can be written, a download or a capture, before anything
 * connects or starts: its folder must exist and be writable, and `file` must not be a folder (exit 2).
 */
export async function checkFileToWrite(file: string): Promise<void> {
  const folder = path.dirname(file);
  const folderStats = await stat(folder).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new SocklabError("ENOENT", `cannot write ${file}: no such folder: ${folder}`, { cause: error });
    if (code === "ENOTDIR")
      throw new SocklabError("ENOTDIR", `cannot write ${file}: not a folder: ${folder}`, { cause: error });
    throw localFileError(error, `cannot write ${file}`);
  });
  if (!folderStats.isDirectory())
    throw new SocklabError("ENOTDIR", `cannot write ${file}: not a folder: ${folder}`);
  const fileStats = await stat(file).catch(() => undefined);
  if (fileStats?.isDirectory()) throw new SocklabError("EISDIR", `cannot write ${file}: it is a folder`);
  await access(folder, constants.W_OK).catch((error: unknown) => {
    throw localFileError(error, `cannot write ${file}`);
  });
}
