import type { FileTransferErrorCode } from "./file-transfer-errors.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";

export type NameCheck = { ok: true } | { ok: false; code: FileTransferErrorCode; message: string };

interface NameRule {
  code: FileTransferErrorCode;
  rejects: (name: string) => boolean;
  why: string;
}

const encoder = new TextEncoder();
const RESERVED: readonly string[] = FILE_TRANSFER_LIMITS.reservedNames;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rule looks for
const CONTROL_CHAR = /[\u0001-\u001f\u007f]/;
const SEPARATOR = /[/\\]/;

/** In order: the first rule a name breaks gives its code, so "/../x" is NAME_ABSOLUTE, not NAME_DOT_DOT. */
const NAME_RULES: readonly NameRule[] = [
  { code: "NAME_EMPTY", rejects: (name) => name.length === 0, why: "is empty" },
  { code: "NAME_NUL", rejects: (name) => name.includes("\0"), why: "contains NUL" },
  {
    code: "NAME_TOO_LONG",
    rejects: (name) => encoder.encode(name).length > FILE_TRANSFER_LIMITS.maxNameBytes,
    why: `is longer than ${FILE_TRANSFER_LIMITS.maxNameBytes} UTF-8 bytes`,
  },
  { code: "NAME_INVALID_UNICODE", rejects: (name) => !name.isWellFormed(), why: "has a lone surrogate" },
  {
    code: "NAME_CONTROL_CHAR",
    rejects: (name) => CONTROL_CHAR.test(name),
    why: "contains a control character",
  },
  { code: "NAME_ABSOLUTE", rejects: (name) => /^([/\\]|[A-Za-z]:)/.test(name), why: "is an absolute path" },
  {
    code: "NAME_DOT_DOT",
    rejects: (name) => name.split(SEPARATOR).includes(".."),
    why: "has a .. component",
  },
  { code: "NAME_DOT", rejects: (name) => name === ".", why: "is ." },
  { code: "NAME_SEPARATOR", rejects: (name) => SEPARATOR.test(name), why: "contains / or \\" },
  { code: "NAME_RESERVED", rejects: (name) => RESERVED.includes(name), why: "is reserved for the server" },
];

/** A name is one path component inside the store, or it is refused with the code of the first rule it breaks. */
export function validateName(name: string): NameCheck {
  const broken = NAME_RULES.find((rule) => rule.rejects(name));
  if (broken === undefined) return { ok: true };
  return { ok: false, code: broken.code, message: `name ${JSON.stringify(name)} ${broken.why}` };
}
