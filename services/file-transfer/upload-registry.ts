interface UploadClaim {
  abort: () => void;
  released: Promise<unknown>;
}

/**
 * Who is writing each partial. A second put of the same name and sha256 takes the partial over: the
 * first upload is aborted and its file closed before the second opens it, so that a client resuming
 * after a crash is never blocked by its own half-open connection, and no two writers share a partial.
 */
export class UploadRegistry {
  #claims = new Map<string, UploadClaim>();

  /** Waits for the partial `key` to be free, then returns the function that frees it again. */
  async acquire(key: string, abort: () => void): Promise<() => void> {
    for (let claim = this.#claims.get(key); claim !== undefined; claim = this.#claims.get(key)) {
      claim.abort();
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
