import { SocklabError } from "../socklab-error.ts";
import type {
  ErrorReply,
  FileTransferOkReply,
  FileTransferOp,
  FileTransferReply,
  ListedFile,
  RequestId,
} from "./file-transfer-messages.ts";
import type { FrameHeader } from "./frame-decoder.ts";
import { FieldError, readFields } from "./read-fields.ts";
import { readId } from "./parse-request.ts";

/** How each op's ok reply is read; a client calls parseReply with the op it sent. */
const OK_REPLY_READERS: {
  [Op in FileTransferOp]: (header: FrameHeader, id: RequestId) => FileTransferOkReply;
} = {
  put: (header, id) => {
    const status = readFields.string(header, "status");
    if (status === "ready") {
      return { id, ok: true, op: "put", status, offset: readFields.count(header, "offset", "BAD_OFFSET") };
    }
    if (status === "stored") {
      return { id, ok: true, op: "put", status, ...readStoredFields(header) };
    }
    throw new FieldError(
      "BAD_TYPE",
      `put reply status must be "ready" or "stored"; got ${JSON.stringify(status)}`,
    );
  },
  get: (header, id) => ({
    id,
    ok: true,
    op: "get",
    ...readStoredFields(header),
    offset: readFields.count(header, "offset", "BAD_OFFSET"),
    modifiedMs: readFields.count(header, "modifiedMs", "BAD_TYPE"),
  }),
  list: (header, id) => ({
    id,
    ok: true,
    op: "list",
    files: readListedFiles(header["files"]),
    more: readFields.boolean(header, "more"),
  }),
  stat: (header, id) => ({
    id,
    ok: true,
    op: "stat",
    ...readStoredFields(header),
    modifiedMs: readFields.count(header, "modifiedMs", "BAD_TYPE"),
  }),
  delete: (header, id) => ({ id, ok: true, op: "delete", name: readFields.name(header) }),
  abandon: (header, id) => ({
    id,
    ok: true,
    op: "abandon",
    name: readFields.name(header),
    abandonedPartials: readFields.count(header, "abandonedPartials", "BAD_TYPE"),
    abandonedBytes: readFields.count(header, "abandonedBytes", "BAD_TYPE"),
  }),
};

/**
 * Validates one reply header against the op that was sent. An error reply is returned as data (its
 * code may be one this client does not know yet); a reply that breaks the protocol throws BAD_REPLY.
 */
export function parseReply(header: FrameHeader, op: FileTransferOp): FileTransferReply {
  try {
    const ok = readFields.boolean(header, "ok");
    const id = header["id"] === null ? null : readId(header);
    if (id === undefined) throw new FieldError("BAD_ID", `reply id must be null, a string or an integer`);
    if (!ok) return readErrorReply(header, id);
    if (id === null) throw new FieldError("BAD_ID", "an ok reply must carry the request's id");
    const replyOp = readFields.string(header, "op");
    if (replyOp !== op)
      throw new FieldError("UNKNOWN_OP", `reply is for op ${JSON.stringify(replyOp)}; sent ${op}`);
    return OK_REPLY_READERS[op](header, id);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    throw new SocklabError("ERR_BAD_REPLY", `bad ${op} reply (${error.code}): ${error.message}`, {
      cause: error,
    });
  }
}

function readErrorReply(header: FrameHeader, id: RequestId | null): ErrorReply {
  return {
    id,
    ok: false,
    code: readFields.string(header, "code"),
    message: readFields.string(header, "message"),
  };
}

function readStoredFields(header: FrameHeader): { name: string; size: number; sha256: string } {
  return {
    name: readFields.name(header),
    size: readFields.count(header, "size", "BAD_SIZE"),
    sha256: readFields.sha256(header),
  };
}

function readListedFiles(value: unknown): ListedFile[] {
  if (!Array.isArray(value)) throw new FieldError("BAD_TYPE", "files must be an array");
  return value.map((entry: unknown) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new FieldError("BAD_TYPE", "each entry of files must be an object");
    }
    const fields = entry as FrameHeader;
    const listed: ListedFile = {
      name: readFields.name(fields),
      size: readFields.count(fields, "size", "BAD_SIZE"),
      modifiedMs: readFields.count(fields, "modifiedMs", "BAD_TYPE"),
    };
    if (Object.hasOwn(fields, "sha256")) listed.sha256 = readFields.sha256(fields);
    return listed;
  });
}
