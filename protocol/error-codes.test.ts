import { describe, expect, it } from "vitest";
import { ERROR_CODES, EXIT, exitCodeFor, isErrorCode, toErrorCode } from "./error-codes.ts";
import { FILE_TRANSFER_ERRORS } from "./file-transfer/file-transfer-errors.ts";

describe("the error-code table", () => {
  it("gives each kind of failure its documented exit code", () => {
    expect(exitCodeFor("ERR_UNKNOWN_SERVICE")).toBe(EXIT.usage);
    expect(exitCodeFor("ECONNREFUSED")).toBe(EXIT.network);
    expect(exitCodeFor("ERR_LAB_DOWN")).toBe(EXIT.labDown);
    expect(exitCodeFor("NOT_FOUND")).toBe(EXIT.refused);
    expect(exitCodeFor("HASH_MISMATCH")).toBe(EXIT.mismatch);
    expect(exitCodeFor("ERR_NICKNAMEINUSE")).toBe(EXIT.refused);
    expect(exitCodeFor("ERR_UNSUPPORTED")).toBe(EXIT.unsupported);
    expect(exitCodeFor("ERR_ABORTED")).toBe(EXIT.interrupted);
  });

  it("treats a code it does not know as the lab's machinery failing", () => {
    expect(exitCodeFor("SOMETHING_NEW")).toBe(EXIT.labFailed);
    expect(exitCodeFor(undefined)).toBe(EXIT.labFailed);
  });

  it("holds every code the file-transfer protocol sends", () => {
    for (const code of Object.keys(FILE_TRANSFER_ERRORS)) expect(isErrorCode(code)).toBe(true);
  });

  it("keeps a known code and falls back for an unknown one", () => {
    expect(toErrorCode("ECONNRESET", "ERR_ECHO_FAILED")).toBe("ECONNRESET");
    expect(toErrorCode("EWHATEVER", "ERR_ECHO_FAILED")).toBe("ERR_ECHO_FAILED");
    expect(toErrorCode(42, "ERR_ECHO_FAILED")).toBe("ERR_ECHO_FAILED");
  });

  it("says what every code means and maps it to one of the exit codes", () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(spec.meaning, code).not.toBe("");
      expect(exits.has(spec.exitCode), code).toBe(true);
    }
  });
});
