/** What one error code means on the wire, and whether the server closes the connection after it. */
export interface FileTransferErrorSpec {
  readonly closesConnection: boolean;
  readonly meaning: string;
}

/**
 * Every error code the file-transfer protocol sends, in one table: the protocol doc lists the same
 * codes, the server sends only these, and a test checks that each one can be provoked.
 */
export const FILE_TRANSFER_ERRORS = {
  // Framing: the byte stream can no longer be split into frames, so the connection ends.
  HEADER_TOO_LARGE: {
    closesConnection: true,
    meaning: "the length prefix announces more than maxHeaderBytes",
  },
  TRUNCATED_FRAME: {
    closesConnection: true,
    meaning: "the connection ended inside a length prefix or header",
  },
  TRUNCATED_BODY: {
    closesConnection: true,
    meaning: "the connection ended inside a body; a put keeps its partial",
  },
  // One header was framed correctly but is not a valid request: the connection stays usable.
  MALFORMED_JSON: { closesConnection: false, meaning: "the header is not UTF-8 JSON" },
  NOT_AN_OBJECT: { closesConnection: false, meaning: "the header is JSON but not an object" },
  BAD_ID: {
    closesConnection: false,
    meaning: "id is missing, or not a 1..128-byte string or a safe integer",
  },
  UNKNOWN_OP: {
    closesConnection: false,
    meaning: "op is missing or not one of put, get, list, stat, delete, abandon",
  },
  MISSING_FIELD: { closesConnection: false, meaning: "a field the op requires is absent" },
  BAD_TYPE: { closesConnection: false, meaning: "a field has the wrong JSON type" },
  BAD_SIZE: { closesConnection: false, meaning: "size is negative, fractional, or above 2^53 - 1" },
  BAD_OFFSET: {
    closesConnection: false,
    meaning: "offset is negative, fractional, or beyond the file's size",
  },
  BAD_SHA256: { closesConnection: false, meaning: "sha256 is not 64 hexadecimal digits" },
  // Names: each way a name could leave the store, or hide from it, has its own code.
  NAME_EMPTY: { closesConnection: false, meaning: "the name is the empty string" },
  NAME_NUL: { closesConnection: false, meaning: "the name contains a NUL character" },
  NAME_TOO_LONG: { closesConnection: false, meaning: "the name is longer than maxNameBytes in UTF-8" },
  NAME_INVALID_UNICODE: { closesConnection: false, meaning: "the name contains a lone UTF-16 surrogate" },
  NAME_CONTROL_CHAR: { closesConnection: false, meaning: "the name contains a control character" },
  NAME_ABSOLUTE: { closesConnection: false, meaning: "the name is an absolute path (/x, \\x, C:x)" },
  NAME_DOT_DOT: { closesConnection: false, meaning: "the name is .. or has a .. path component" },
  NAME_DOT: { closesConnection: false, meaning: "the name is ." },
  NAME_SEPARATOR: { closesConnection: false, meaning: "the name contains / or \\" },
  NAME_RESERVED: { closesConnection: false, meaning: "the name is reserved for the server (.socklab)" },
  // Operations.
  NOT_FOUND: { closesConnection: false, meaning: "no stored file has that name" },
  FILE_CHANGED: { closesConnection: false, meaning: "get named a sha256 that the stored file no longer has" },
  FILE_TOO_LARGE: {
    closesConnection: false,
    meaning: "put announced more bytes than the server's maxFileBytes",
  },
  NO_SPACE: {
    closesConnection: false,
    meaning: "the store has too little free space for the rest of the file",
  },
  HASH_MISMATCH: {
    closesConnection: false,
    meaning: "the uploaded bytes do not have the announced SHA-256; the partial is deleted",
  },
  SIZE_MISMATCH: {
    closesConnection: false,
    meaning: "a partial or stored file changed size behind the server's back while it was being used",
  },
  IO_ERROR: { closesConnection: false, meaning: "the server failed to read or write its store" },
  INTERNAL_ERROR: { closesConnection: false, meaning: "a bug in the server; its log has the details" },
  // The server ends the connection for its own reasons.
  UPLOAD_SUPERSEDED: {
    closesConnection: true,
    meaning: "a newer put of the same partial took it over, or an abandon of its name deleted it",
  },
  TOO_MANY_CONNECTIONS: { closesConnection: true, meaning: "the server is at its connection limit" },
  IDLE_TIMEOUT: { closesConnection: true, meaning: "nothing arrived for idleTimeoutMs" },
  HEADER_TIMEOUT: {
    closesConnection: true,
    meaning: "a request header took longer than headerTimeoutMs from its first byte to its last",
  },
  SHUTTING_DOWN: { closesConnection: true, meaning: "the server is stopping" },
} as const satisfies Record<string, FileTransferErrorSpec>;

export type FileTransferErrorCode = keyof typeof FILE_TRANSFER_ERRORS;

export function isFileTransferErrorCode(code: string): code is FileTransferErrorCode {
  return Object.hasOwn(FILE_TRANSFER_ERRORS, code);
}
