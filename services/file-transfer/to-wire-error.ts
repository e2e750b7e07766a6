import {
  type FileTransferErrorCode,
  isFileTransferErrorCode,
} from "../../protocol/file-transfer/file-transfer-errors.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

export interface WireError {
  code: FileTransferErrorCode;
  message: string;
  /** The original error when it is not one the protocol expects: logged, never sent. */
  unexpected?: unknown;
}

/** Filesystem errno codes the client can act on; every other errno is IO_ERROR. */
const ERRNO_TO_CODE: Record<string, FileTransferErrorCode> = {
  ENOSPC: "NO_SPACE",
  EDQUOT: "NO_SPACE",
  EFBIG: "FILE_TOO_LARGE",
};

/** What an error thrown while serving a request becomes on the wire; no server path leaks into a message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof SocklabError && isFileTransferErrorCode(error.code)) {
    return { code: error.code, message: error.message };
  }
  if (error instanceof Error && "syscall" in error && "code" in error) {
    const errno = String(error.code);
    const code = ERRNO_TO_CODE[errno] ?? "IO_ERROR";
    return { code, message: `the store failed: ${String(error.syscall)} ${errno}`, unexpected: error };
  }
  return { code: "INTERNAL_ERROR", message: "the server failed; its log says why", unexpected: error };
}
