import { createHash, type Hash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { SocklabError } from "../protocol/socklab-error.ts";

const READ_CHUNK_BYTES = 256 * 1024;

/** Size and SHA-256 of a file, read once in chunks. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    return { size, sha256: (await hashRange(handle, size)).digest("hex") };
  } finally {
    await handle.close();
  }
}

/** Feeds a file's first `bytes` bytes to `hash` (a new one by default) and returns it; SIZE_MISMATCH if it holds fewer. */
export async function hashRange(
  handle: FileHandle,
  bytes: number,
  hash: Hash = createHash("sha256"),
): Promise<Hash> {
  await readRange(handle, 0, bytes, (chunk) => hash.update(chunk));
  return hash;
}

/** Feeds `bytes` bytes from `start` to `onChunk`, reusing one buffer: memory stays flat for any size. */
export async function readRange(
  handle: FileHandle,
  start: number,
  bytes: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const buffer = new Uint8Array(Math.min(READ_CHUNK_BYTES, Math.max(bytes, 1)));
  for (let done = 0; done < bytes;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, bytes - done), start + done);
    if (bytesRead === 0)
      throw new SocklabError("SIZE_MISMATCH", `file ended after ${done} of ${bytes} bytes`);
    onChunk(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
}
