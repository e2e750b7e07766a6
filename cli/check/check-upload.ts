import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { connectFileTransfer } from "../../clients/file-transfer/file-transfer-client.ts";
import type { StoredFileInfo } from "../../protocol/file-transfer/file-transfer-messages.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions } from "./check-options.ts";

const DEFAULT_NAME = "blob.bin";
const FILE_TRANSFER_PORT = 9000;
const PUT_HINT =
  "your put: a '!I' length before each JSON header; wait for 'ready', send body[offset:] with sendall, then read 'stored' and print any error (HASH_MISMATCH, HEADER_TOO_LARGE)";

/**
 * Exercise 7: the learner's upload is in the file-transfer store, under `name`, with the size and
 * SHA-256 of their local file. The server lists a file only once its hash matched, so a header in
 * the wrong byte order, a wrong hash or a body cut short all leave nothing to find.
 */
export async function checkUpload(options: CheckOptions): Promise<CheckPass> {
  const name = options.name ?? DEFAULT_NAME;
  const local = await readLocal(options.file ?? name, options.file !== undefined);
  const stored = await statStored(name, options);
  const facts = [`${name} is in the store: ${stored.size} bytes, sha256 ${stored.sha256}`];
  if (!local) return { facts: [...facts, `no local ${name} here to compare with (pass --file PATH)`] };
  if (local.size !== stored.size || local.sha256 !== stored.sha256)
    throw new CheckFailure(
      `the store's ${name} is ${stored.size} bytes, sha256 ${stored.sha256}; your ${local.path} is ${local.size} bytes, sha256 ${local.sha256}`,
      `${PUT_HINT}; upload it again: a put of the same name replaces the file`,
    );
  return { facts: [...facts, `the same size and sha256 as your ${local.path}`] };
}

interface LocalFile {
  path: string;
  size: number;
  sha256: string;
}

async function readLocal(file: string, required: boolean): Promise<LocalFile | undefined> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SocklabError("ERR_SOURCE_FAILED", `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { path: file, size: body.length, sha256: createHash("sha256").update(body).digest("hex") };
}

async function statStored(name: string, options: CheckOptions): Promise<StoredFileInfo> {
  const timeoutMs = options.timeoutMs;
  await using client = await connectFileTransfer({
    host: options.host ?? "file-transfer",
    port: options.port ?? FILE_TRANSFER_PORT,
    connectTimeoutMs: timeoutMs,
    idleTimeoutMs: timeoutMs,
  });
  try {
    return await client.stat(name);
  } catch (error) {
    if (error instanceof SocklabError && error.code === "NOT_FOUND")
      throw new CheckFailure(
        `${name} is not in the store: the server keeps a file only once the whole body came and its SHA-256 matched`,
        PUT_HINT,
        { cause: error },
      );
    throw error;
  }
}
