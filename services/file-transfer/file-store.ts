import { createHash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  statfs,
  unlink,
  writeFile,
  type FileHandle,
} from "node:fs/promises";
import { join } from "node:path";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import type { ListedFile, StoredFileInfo } from "../../protocol/file-transfer/file-transfer-messages.ts";
import { validateName } from "../../protocol/file-transfer/validate-name.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { hashRange } from "../../io/hash-file.ts";

const [HIDDEN_DIR] = FILE_TRANSFER_LIMITS.reservedNames;

export interface ListPage {
  files: ListedFile[];
  /** True when at least one more name follows the page. */
  more: boolean;
}

/** Entries described at once while a list page fills: lstat and metadata reads run in parallel. */
const LIST_BATCH = 64;

/** An upload's bytes so far, in its own file under `.socklab/partial/`, open for appending. */
export interface PartialFile {
  readonly key: string;
  readonly path: string;
  readonly handle: FileHandle;
  /** Bytes the file held when it was opened: where the upload resumes. */
  readonly heldBytes: number;
}

/** A stored file opened for reading: the handle keeps these exact bytes even if the name is replaced. */
export interface OpenedFile extends StoredFileInfo {
  readonly handle: FileHandle;
}

/** What `.socklab/meta/<inode>.json` records, so that a get need not hash the file again. */
interface FileMeta {
  size: number;
  sha256: string;
  mtimeMs: number;
}

/**
 * The store directory: files under their names, and `.socklab/` beside them, which no name can reach,
 * holding `partial/` (uploads in progress, keyed by name and SHA-256) and `meta/` (each stored file's
 * SHA-256, keyed by inode: a rename keeps the inode, so the hash is written before the file appears).
 */
export class FileStore {
  readonly dir: string;
  readonly partialDir: string;
  readonly metaDir: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.partialDir = join(dir, HIDDEN_DIR, "partial");
    this.metaDir = join(dir, HIDDEN_DIR, "meta");
  }

  static async open(dir: string): Promise<FileStore> {
    const store = new FileStore(dir);
    await mkdir(store.partialDir, { recursive: true });
    await mkdir(store.metaDir, { recursive: true });
    return store;
  }

  /**
   * One partial per name, size and hash: two uploads of different files to one name never share bytes,
   * and a put that announces another size never drops what an earlier one left. A hash-after put has
   * no hash yet: its partials are keyed by name and size, and the final hash check catches a stranger's.
   */
  partialKey(name: string, size: number, sha256: string | undefined): string {
    return `${sha256 ?? "trailer"}-${size}-${nameKey(name)}`;
  }

  /** Keys of every partial of `name`, in whatever mode it was put. */
  async partialKeysOf(name: string): Promise<string[]> {
    const suffix = `-${nameKey(name)}`;
    return (await readdir(this.partialDir)).filter((key) => key.endsWith(suffix));
  }

  /** Deletes one partial; returns the bytes it held (0 if it was not there). */
  async deletePartial(key: string): Promise<number> {
    const path = join(this.partialDir, key);
    const stats = await lstatIfPresent(path);
    if (stats === undefined || !(await unlinkIfPresent(path))) return 0;
    return stats.size;
  }

  /** Opens (or creates) a partial; one longer than `size` cannot be a prefix of the file and starts over. */
  async openPartial(key: string, size: number): Promise<PartialFile> {
    const path = join(this.partialDir, key);
    const handle = await open(path, "a+");
    try {
      let heldBytes = (await handle.stat()).size;
      if (heldBytes > size) {
        await handle.truncate(0);
        heldBytes = 0;
      }
      return { key, path, handle, heldBytes };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Makes a verified partial visible under its name: data fsynced, hash recorded, one atomic rename,
   * directory fsynced. Throws SIZE_MISMATCH (and leaves nothing) if the partial does not hold `size` bytes.
   */
  async commit(partial: PartialFile, name: string, sha256: string, size: number): Promise<StoredFileInfo> {
    await partial.handle.sync();
    const stats = await partial.handle.stat();
    await partial.handle.close();
    if (stats.size !== size) {
      await unlinkIfPresent(partial.path);
      throw new SocklabError("SIZE_MISMATCH", `partial holds ${stats.size} bytes; ${name} announced ${size}`);
    }
    await this.#writeMeta(stats.ino, { size, sha256, mtimeMs: stats.mtimeMs });
    const target = join(this.dir, name);
    const replaced = await lstatIfPresent(target);
    await rename(partial.path, target);
    await syncDir(this.dir);
    if (replaced !== undefined && replaced.ino !== stats.ino)
      await unlinkIfPresent(this.#metaPath(replaced.ino));
    return { name, size, sha256, modifiedMs: Math.trunc(stats.mtimeMs) };
  }

  /** Keeps the partial for a later resume: its bytes reach the disk before the handle is let go. */
  async keepPartial(partial: PartialFile): Promise<void> {
    try {
      await partial.handle.sync();
    } finally {
      await partial.handle.close();
    }
  }

  async discardPartial(partial: PartialFile): Promise<void> {
    await partial.handle.close().catch(() => undefined);
    await unlinkIfPresent(partial.path);
  }

  /** Opens a stored regular file by name, never following a symlink; undefined if there is none. */
  async openForRead(name: string): Promise<OpenedFile | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(join(this.dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isCode(error, "ENOENT", "ELOOP", "ENOTDIR")) return undefined;
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return undefined;
      }
      const sha256 = await this.#sha256Of(handle, stats);
      return { name, size: stats.size, sha256, modifiedMs: Math.trunc(stats.mtimeMs), handle };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(name: string): Promise<StoredFileInfo | undefined> {
    const opened = await this.openForRead(name);
    if (opened === undefined) return undefined;
    await opened.handle.close();
    return { name: opened.name, size: opened.size, sha256: opened.sha256, modifiedMs: opened.modifiedMs };
  }

  /**
   * The page of stored files after `after` (UTF-8 byte order): entries are described one by one while
   * `fits` accepts them. Partials, metadata and anything that is not a regular file stay hidden. An
   * entry carries its sha256 only when the metadata recorded at put still describes it: never hashed here.
   */
  async listPage(after: string | undefined, fits: (page: ListedFile[]) => boolean): Promise<ListPage> {
    const afterBytes = Buffer.from(after ?? "", "utf8");
    const entries = await readdir(this.dir, { withFileTypes: true });
    const names = entries
      .filter((entry) => entry.isFile() && validateName(entry.name).ok)
      .map((entry) => Buffer.from(entry.name, "utf8"))
      .filter((name) => Buffer.compare(name, afterBytes) > 0)
      .sort((a, b) => Buffer.compare(a, b));
    const files: ListedFile[] = [];
    for (let start = 0; start < names.length; start += LIST_BATCH) {
      const batch = await Promise.all(
        names.slice(start, start + LIST_BATCH).map((name) => this.#describe(name.toString("utf8"))),
      );
      for (const file of batch) {
        if (file === undefined) continue;
        files.push(file);
        if (!fits(files)) {
          files.pop();
          return { files, more: true };
        }
      }
    }
    return { files, more: false };
  }

  async #describe(name: string): Promise<ListedFile | undefined> {
    const stats = await lstatIfPresent(join(this.dir, name));
    if (!stats?.isFile()) return undefined;
    const listed: ListedFile = { name, size: stats.size, modifiedMs: Math.trunc(stats.mtimeMs) };
    const meta = await this.#readMeta(stats.ino);
    if (meta !== undefined && meta.size === stats.size && meta.mtimeMs === stats.mtimeMs)
      listed.sha256 = meta.sha256;
    return listed;
  }

  async delete(name: string): Promise<boolean> {
    const path = join(this.dir, name);
    const stats = await lstatIfPresent(path);
    if (!stats?.isFile()) return false;
    if (!(await unlinkIfPresent(path))) return false;
    await syncDir(this.dir);
    await unlinkIfPresent(this.#metaPath(stats.ino));
    return true;
  }

  /** Bytes an unprivileged process may still write to the store's filesystem. */
  async freeBytes(): Promise<number> {
    const stats = await statfs(this.dir);
    return stats.bavail * stats.bsize;
  }

  /** Deletes partials untouched for `ttlMs` (a write refreshes the mtime), except those in use. */
  async sweepPartials(ttlMs: number, nowMs: number, inUse: (key: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const key of await readdir(this.partialDir)) {
      if (inUse(key)) continue;
      const stats = await lstatIfPresent(join(this.partialDir, key));
      if (
        stats !== undefined &&
        nowMs - stats.mtimeMs >= ttlMs &&
        (await unlinkIfPresent(join(this.partialDir, key)))
      ) {
        removed.push(key);
      }
    }
    return removed;
  }

  /** Deletes metadata whose inode no stored file or partial has (files replaced or removed behind our back). */
  async sweepMeta(): Promise<number> {
    // Partials before files: a partial renamed meanwhile is then seen in one listing or the other.
    const live = new Set<number>();
    for (const dir of [this.partialDir, this.dir]) {
      for (const entry of await readdir(dir)) {
        const stats = await lstatIfPresent(join(dir, entry));
        if (stats?.isFile()) live.add(stats.ino);
      }
    }
    let removed = 0;
    for (const entry of await readdir(this.metaDir)) {
      const ino = Number(entry.split(".")[0]);
      if (!live.has(ino) && (await unlinkIfPresent(join(this.metaDir, entry)))) removed += 1;
    }
    return removed;
  }

  #metaPath(ino: number): string {
    return join(this.metaDir, `${ino}.json`);
  }

  async #writeMeta(ino: number, meta: FileMeta): Promise<void> {
    const temp = join(this.metaDir, `${ino}.json.${process.pid}.${Date.now()}.tmp`);
    await writeFile(temp, JSON.stringify(meta));
    await rename(temp, this.#metaPath(ino));
  }

  /** The recorded hash if it still describes this inode's bytes; otherwise hashed again and recorded. */
  async #sha256Of(handle: FileHandle, stats: Stats): Promise<string> {
    const meta = await this.#readMeta(stats.ino);
    if (meta !== undefined && meta.size === stats.size && meta.mtimeMs === stats.mtimeMs) return meta.sha256;
    const sha256 = (await hashRange(handle, stats.size)).digest("hex");
    await this.#writeMeta(stats.ino, { size: stats.size, sha256, mtimeMs: stats.mtimeMs });
    return sha256;
  }

  async #readMeta(ino: number): Promise<FileMeta | undefined> {
    try {
      const meta: unknown = JSON.parse(await readFile(this.#metaPath(ino), "utf8"));
      return isFileMeta(meta) ? meta : undefined;
    } catch {
      // Missing or torn metadata only costs a re-hash.
      return undefined;
    }
  }
}

function isFileMeta(value: unknown): value is FileMeta {
  if (typeof value !== "object" || value === null) return false;
  const meta = value as Record<string, unknown>;
  return (
    typeof meta["size"] === "number" &&
    typeof meta["sha256"] === "string" &&
    typeof meta["mtimeMs"] === "number"
  );
}

/** A name as a fixed-length, filesystem-safe part of a partial's key. */
function nameKey(name: string): string {
  return createHash("sha256").update(name, "utf8").digest("hex");
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function lstatIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isCode(error, "ENOENT", "ENOTDIR")) return undefined;
    throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isCode(error, "ENOENT")) return false;
    throw error;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && "code" in error && codes.includes(String(error.code));
}
