/**
 * Coalesces pushes by topic: the first value of a topic goes out at once, later ones at most once
 * per `minIntervalMs`, and only the newest waiting value of each topic is sent. This bounds the
 * event rate a page receives whatever the lab does.
 */
export class PushThrottle<T> {
  readonly #minIntervalMs: number;
  readonly #send: (topic: string, value: T) => void;
  readonly #lastSentMs = new Map<string, number>();
  readonly #waiting = new Map<string, T>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #now: () => number;

  constructor(minIntervalMs: number, send: (topic: string, value: T) => void, now = () => performance.now()) {
    this.#minIntervalMs = minIntervalMs;
    this.#send = send;
    this.#now = now;
  }

  push(topic: string, value: T): void {
    const waitMs = (this.#lastSentMs.get(topic) ?? -Infinity) + this.#minIntervalMs - this.#now();
    if (waitMs <= 0 && !this.#timers.has(topic)) {
      this.#emit(topic, value);
      return;
    }
    this.#waiting.set(topic, value);
    if (!this.#timers.has(topic)) {
      const timer = setTimeout(() => this.#flush(topic), Math.max(0, waitMs));
      timer.unref();
      this.#timers.set(topic, timer);
    }
  }

  dispose(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.clear();
  }

  #flush(topic: string): void {
    this.#timers.delete(topic);
    const value = this.#waiting.get(topic);
    this.#waiting.delete(topic);
    if (value !== undefined) this.#emit(topic, value);
  }

  #emit(topic: string, value: T): void {
    this.#lastSentMs.set(topic, this.#now());
    this.#send(topic, value);
  }
}
