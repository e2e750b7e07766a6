/** Called when another claim takes the partial: `why` is that claim's reason, for the error message. */
export type AbortUpload = (why: string) => void;

interface UploadClaim {
  abort: AbortUpload;
  released: Promise<unknown>;
}

/**
 * Who is writing each partial. A second put of the same partial (or an abandon) takes it over: the
 * first upload is aborted and its file closed before the second opens it, so that a client resuming
 * after a crash is never blocked by its own half-open connection, and no two writers share a partial.
 */
export class UploadRegistry {
  #claims = new Map<string, UploadClaim>();

  /** Aborts whoever holds the partial `key` (telling them `why`), waits, and returns the function that frees it again. */
  async acquire(key: string, abort: AbortUpload, why: string): Promise<() => void> {
    for (let claim = this.#claims.get(key); claim !== undefined; claim = this.#claims.get(key)) {
      claim.abort(why);
      await claim.released;
    }
    const { promise: released, resolve } = Promise.withResolvers<undefined>();
    const claim: UploadClaim = { abort, released };
    this.#claims.set(key, claim);
    return () => {
      if (this.#claims.get(key) === claim) this.#claims.delete(key);
      resolve(undefined);
    };
  }

  has(key: string): boolean {
    return this.#claims.has(key);
  }
}
