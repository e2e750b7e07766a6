/**
 * Runs each added task once, at the end of the current turn of the event loop (one setImmediate for
 * all of them), so that everything a connection is sent in one turn leaves in one write.
 */
export class TurnBatcher {
  readonly #tasks = new Set<() => void>();
  #scheduled = false;

  add(task: () => void): void {
    this.#tasks.add(task);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#run());
  }

  #run(): void {
    this.#scheduled = false;
    for (const task of this.#tasks) {
      this.#tasks.delete(task);
      task();
    }
  }
}
