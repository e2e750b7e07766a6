import { createHash, type Hash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";

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

/** Feeds a file's first `bytes` bytes to `hash` (a new one by default) and returns it. */
export async function hashRange(
  handle: FileHandle,
  bytes: number,
  hash: Hash = createHash("sha256"),
): Promise<Hash> {
  const buffer = new Uint8Array(READ_CHUNK_BYTES);
  for (let done = 0; done < bytes;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, bytes - done), done);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return hash;
}
