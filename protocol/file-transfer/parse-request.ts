import type { FileTransferErrorCode } from "./file-transfer-errors.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";
import type { FileTransferOp, FileTransferRequest, PutTrailer, RequestId } from "./file-transfer-messages.ts";
import type { FrameHeader } from "./frame-decoder.ts";
import { FieldError, readFields } from "./read-fields.ts";

export type TrailerParse =
  { ok: true; trailer: PutTrailer } | { ok: false; code: FileTransferErrorCode; message: string };

export type RequestParse =
  | { ok: true; request: FileTransferRequest }
  | { ok: false; id: RequestId | null; code: FileTransferErrorCode; message: string };

const encoder = new TextEncoder();

/** How each op's fields are read; unknown extra fields are ignored so that clients can add their own. */
const REQUEST_READERS: {
  [Op in FileTransferOp]: (header: FrameHeader, id: RequestId) => FileTransferRequest;
} = {
  put: (header, id) => {
    const name = readFields.name(header);
    const size = readFields.count(header, "size", "BAD_SIZE");
    if (!Object.hasOwn(header, "trailer"))
      return { op: "put", id, name, size, sha256: readFields.sha256(header) };
    if (header["trailer"] !== true) {
      throw new FieldError(
        "BAD_TYPE",
        `trailer must be true when present; got ${JSON.stringify(header["trailer"])}`,
      );
    }
    if (Object.hasOwn(header, "sha256")) {
      throw new FieldError("BAD_TYPE", "a put carries sha256 or trailer: true, not both");
    }
    return { op: "put", id, name, size, trailer: true };
  },
  get: (header, id) => {
    const name = readFields.name(header);
    const offset = Object.hasOwn(header, "offset") ? readFields.count(header, "offset", "BAD_OFFSET") : 0;
    const sha256 = Object.hasOwn(header, "sha256") ? readFields.sha256(header) : undefined;
    return sha256 === undefined ? { op: "get", id, name, offset } : { op: "get", id, name, offset, sha256 };
  },
  list: (header, id) => {
    const after = readFields.optionalString(header, "after");
    return after === undefined ? { op: "list", id } : { op: "list", id, after };
  },
  stat: (header, id) => ({ op: "stat", id, name: readFields.name(header) }),
  delete: (header, id) => ({ op: "delete", id, name: readFields.name(header) }),
  abandon: (header, id) => ({ op: "abandon", id, name: readFields.name(header) }),
};

/** Validates one request header: a typed request, or the error reply's id, code and message. */
export function parseRequest(header: FrameHeader): RequestParse {
  const id = readId(header);
  if (id === undefined) {
    return { ok: false, id: null, code: "BAD_ID", message: idProblem(header) };
  }
  const op = header["op"];
  if (typeof op !== "string" || !Object.hasOwn(REQUEST_READERS, op)) {
    const got = typeof op === "string" ? JSON.stringify(op.slice(0, 40)) : typeof op;
    return {
      ok: false,
      id,
      code: "UNKNOWN_OP",
      message: `op must be one of ${Object.keys(REQUEST_READERS).join(", ")}; got ${got}`,
    };
  }
  try {
    return { ok: true, request: REQUEST_READERS[op as FileTransferOp](header, id) };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, id, code: error.code, message: error.message };
    throw error;
  }
}

/** Validates the frame after a hash-after put's body: it must carry the whole file's sha256. */
export function parseTrailer(header: FrameHeader): TrailerParse {
  try {
    return { ok: true, trailer: { sha256: readFields.sha256(header) } };
  } catch (error) {
    if (error instanceof FieldError)
      return { ok: false, code: error.code, message: `trailer: ${error.message}` };
    throw error;
  }
}

/** The id to echo: a string of 1..maxIdBytes UTF-8 bytes or a safe integer; undefined if neither. */
export function readId(header: FrameHeader): RequestId | undefined {
  const id = header["id"];
  if (typeof id === "number" && Number.isSafeInteger(id)) return id;
  if (
    typeof id === "string" &&
    id.length > 0 &&
    encoder.encode(id).length <= FILE_TRANSFER_LIMITS.maxIdBytes
  ) {
    return id;
  }
  return undefined;
}

function idProblem(header: FrameHeader): string {
  if (!Object.hasOwn(header, "id")) return "id is required";
  return `id must be a string of 1..${FILE_TRANSFER_LIMITS.maxIdBytes} UTF-8 bytes or a safe integer; got ${JSON.stringify(header["id"]).slice(0, 60)}`;
}
