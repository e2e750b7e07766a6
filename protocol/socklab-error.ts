import type { ErrorCode } from "./error-codes.ts";

/**
 * Every error socklab raises carries a stable `code` from the one table (error-codes.ts), which
 * also gives the socklab command's exit code for it.
 */
export class SocklabError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SocklabError";
    this.code = code;
  }
}
