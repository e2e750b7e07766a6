import { getSystemErrorMessage } from "node:util";
import { toErrorCode } from "../../protocol/error-codes.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

/**
 * A local file system error as one clear line: its code once (ENOENT, EACCES, ...), what was being
 * done, and the system's words for why, where Node's own message would repeat the code and show
 * the path as some process saw it (a container's /host/... rather than what the user typed).
 */
export function localFileError(error: unknown, doing: string): SocklabError {
  const errno = error as NodeJS.ErrnoException;
  const why = typeof errno.errno === "number" ? getSystemErrorMessage(errno.errno) : errno.message;
  return new SocklabError(toErrorCode(errno.code, "ERR_SOURCE_FAILED"), `${doing}: ${why}`, { cause: error });
}

/** Whether `error` is a system error about a local path (it has an errno and a path). */
export function isLocalFileError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const errno = error as Partial<NodeJS.ErrnoException> | undefined;
  return typeof errno?.errno === "number" && typeof errno.path === "string" && typeof errno.code === "string";
}
