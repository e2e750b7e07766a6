import { SocklabError } from "../socklab-error.ts";
import type { FileTransferErrorCode } from "./file-transfer-errors.ts";
import type { FrameHeader } from "./frame-decoder.ts";
import { validateName } from "./validate-name.ts";

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A field that fails validation; the code is one of the protocol's, so it can go on the wire. */
export class FieldError extends SocklabError {
  declare readonly code: FileTransferErrorCode;

  constructor(code: FileTransferErrorCode, message: string) {
    super(code, message);
    this.name = "FieldError";
  }
}

/** Typed reads of one header's fields: each throws a FieldError whose code says what was wrong. */
export const readFields = {
  presentValue(header: FrameHeader, key: string): unknown {
    if (!Object.hasOwn(header, key) || header[key] === undefined) {
      throw new FieldError("MISSING_FIELD", `${key} is required`);
    }
    return header[key];
  },

  string(header: FrameHeader, key: string): string {
    const value = readFields.presentValue(header, key);
    if (typeof value !== "string")
      throw new FieldError("BAD_TYPE", `${key} must be a string; got ${describe(value)}`);
    return value;
  },

  optionalString(header: FrameHeader, key: string): string | undefined {
    return Object.hasOwn(header, key) ? readFields.string(header, key) : undefined;
  },

  boolean(header: FrameHeader, key: string): boolean {
    const value = readFields.presentValue(header, key);
    if (typeof value !== "boolean") {
      throw new FieldError("BAD_TYPE", `${key} must be true or false; got ${describe(value)}`);
    }
    return value;
  },

  /** A byte count: a JSON number that is a non-negative safe integer. */
  count(header: FrameHeader, key: string, badCode: FileTransferErrorCode): number {
    const value = readFields.presentValue(header, key);
    if (typeof value !== "number")
      throw new FieldError("BAD_TYPE", `${key} must be a number; got ${describe(value)}`);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new FieldError(badCode, `${key} must be an integer in [0, 2^53 - 1]; got ${value}`);
    }
    return value;
  },

  name(header: FrameHeader, key = "name"): string {
    const name = readFields.string(header, key);
    const check = validateName(name);
    if (!check.ok) throw new FieldError(check.code, check.message);
    return name;
  },

  /** Accepts either case, returns lowercase: the form the server compares and replies with. */
  sha256(header: FrameHeader, key = "sha256"): string {
    const value = readFields.string(header, key);
    if (!SHA256_HEX.test(value)) {
      throw new FieldError(
        "BAD_SHA256",
        `${key} must be 64 hex digits; got ${JSON.stringify(value.slice(0, 80))}`,
      );
    }
    return value.toLowerCase();
  },
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}
