import { access, constants, stat } from "node:fs/promises";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { localFileError } from "./local-file-error.ts";

/**
 * Checks that `file` (as the user typed it) can be uploaded, before anything connects or starts:
 * a missing or unreadable file, or a folder, is the user's to fix (exit 2), named as typed.
 */
export async function checkUploadSource(file: string): Promise<void> {
  const stats = await stat(file).catch((error: unknown) => {
    throw localFileError(error, `cannot read ${file}`);
  });
  if (stats.isDirectory()) throw new SocklabError("EISDIR", `cannot upload ${file}: it is a folder`);
  await access(file, constants.R_OK).catch((error: unknown) => {
    throw localFileError(error, `cannot read ${file}`);
  });
}
