// The exit codes live beside the error-code table that maps every error to one of them.
export { EXIT, exitCodeFor, type ExitCode } from "../protocol/error-codes.ts";
