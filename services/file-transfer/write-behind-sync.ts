import type { FileHandle } from "node:fs/promises";

/**
 * Starts an fdatasync each time `everyBytes` more have been written, without waiting for it: the
 * kernel then writes the file back while the rest arrives, and the fsync before the rename finds
 * little left. (Left alone, Linux starts writeback only past dirty_background_ratio of memory.)
 */
export class WriteBehindSync {
  readonly #handle: FileHandle;
  readonly #everyBytes: number;
  #unsyncedBytes = 0;
  #inFlight: Promise<void> | undefined;
  #failure: Error | undefined;

  constructor(handle: FileHandle, everyBytes: number) {
    this.#handle = handle;
    this.#everyBytes = everyBytes;
  }

  wrote(bytes: number): void {
    this.#unsyncedBytes += bytes;
    if (this.#unsyncedBytes < this.#everyBytes || this.#inFlight !== undefined) return;
    this.#unsyncedBytes = 0;
    this.#inFlight = this.#handle
      .datasync()
      .catch((error: unknown) => {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => (this.#inFlight = undefined));
  }

  /** Waits for a sync in flight; a failed one is thrown here, before anything is renamed. */
  async settled(): Promise<void> {
    await this.#inFlight;
    if (this.#failure !== undefined) throw this.#failure;
  }
}
