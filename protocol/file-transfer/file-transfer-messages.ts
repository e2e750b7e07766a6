/** Echoed in the reply so that a client can pair them; null only in replies to a request without a usable id. */
export type RequestId = string | number;

export type FileTransferOp = "put" | "get" | "list" | "stat" | "delete" | "abandon";

/** A put announces the whole file's SHA-256 in its header (the seeds' way), or in a trailer after the body. */
export type PutRequest = PutHashFirstRequest | PutHashAfterRequest;

export interface PutHashFirstRequest {
  op: "put";
  id: RequestId;
  name: string;
  /** The whole file's length in bytes. */
  size: number;
  /** SHA-256 of the whole file, 64 lowercase hex digits. */
  sha256: string;
}

/** The client hashes while it sends: a PutTrailer frame with the SHA-256 follows the body. */
export interface PutHashAfterRequest {
  op: "put";
  id: RequestId;
  name: string;
  size: number;
  trailer: true;
}

/** The frame after a hash-after put's body. */
export interface PutTrailer {
  sha256: string;
}

export interface GetRequest {
  op: "get";
  id: RequestId;
  name: string;
  /** First byte to send; 0 when absent. */
  offset: number;
  /** When present, the server refuses with FILE_CHANGED unless the stored file has this hash. */
  sha256?: string;
}

export interface ListRequest {
  op: "list";
  id: RequestId;
  /** Only names that sort after this one (UTF-8 byte order): the previous page's last name. */
  after?: string;
}

export interface StatRequest {
  op: "stat";
  id: RequestId;
  name: string;
}

export interface DeleteRequest {
  op: "delete";
  id: RequestId;
  name: string;
}

/** Deletes every partial upload of a name (hash-first and hash-after alike); stored files stay. */
export interface AbandonRequest {
  op: "abandon";
  id: RequestId;
  name: string;
}

export type FileTransferRequest =
  PutRequest | GetRequest | ListRequest | StatRequest | DeleteRequest | AbandonRequest;

export interface StoredFileInfo {
  name: string;
  size: number;
  sha256: string;
  modifiedMs: number;
}

export interface ListedFile {
  name: string;
  size: number;
  modifiedMs: number;
  /** Present when the server has it recorded (every file stored by put); absent, never computed, otherwise. */
  sha256?: string;
}

/** put, first reply: send `size - offset` body bytes now. */
export interface PutReadyReply {
  id: RequestId;
  ok: true;
  op: "put";
  status: "ready";
  /** Bytes of this name and sha256 the server already holds; the body starts at this offset. */
  offset: number;
}

/** put, second reply: the file is stored under its name. */
export interface PutStoredReply {
  id: RequestId;
  ok: true;
  op: "put";
  status: "stored";
  name: string;
  size: number;
  sha256: string;
}

/** Followed by `size - offset` body bytes. */
export interface GetReply {
  id: RequestId;
  ok: true;
  op: "get";
  name: string;
  size: number;
  sha256: string;
  offset: number;
  modifiedMs: number;
}

export interface ListReply {
  id: RequestId;
  ok: true;
  op: "list";
  files: ListedFile[];
  /** True when more names follow: ask again with `after` set to the last name of this page. */
  more: boolean;
}

export interface StatReply extends StoredFileInfo {
  id: RequestId;
  ok: true;
  op: "stat";
}

export interface DeleteReply {
  id: RequestId;
  ok: true;
  op: "delete";
  name: string;
}

export interface AbandonReply {
  id: RequestId;
  ok: true;
  op: "abandon";
  name: string;
  /** Partials deleted (0 when there were none: abandon is idempotent), and the bytes they held. */
  abandonedPartials: number;
  abandonedBytes: number;
}

export interface ErrorReply {
  id: RequestId | null;
  ok: false;
  /** A key of FILE_TRANSFER_ERRORS; typed as string because a newer server may send codes this one lacks. */
  code: string;
  message: string;
}

export type FileTransferOkReply =
  PutReadyReply | PutStoredReply | GetReply | ListReply | StatReply | DeleteReply | AbandonReply;
export type FileTransferReply = FileTransferOkReply | ErrorReply;
