import { setTimeout as delay } from "node:timers/promises";
import { SocklabError } from "../protocol/socklab-error.ts";

export interface WaitOptions {
  timeoutMs: number;
  /** How long between two looks; short, since each look is cheap next to the deadline. */
  pollMs?: number;
  /** What was awaited, for the timeout message: `tcp-echo to log a close line`. */
  what: string;
}

/**
 * Polls `look` until it returns something other than undefined, or the deadline passes. The error
 * names what was awaited and shows what the last look saw (via `describeLast`).
 */
export async function waitFor<T>(
  look: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions & { describeLast?: () => string },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) {
      const last = options.describeLast ? `; last seen:\n${options.describeLast()}` : "";
      throw new SocklabError("ERR_WAIT_TIMEOUT", `waited ${options.timeoutMs} ms for ${options.what}${last}`);
    }
    await delay(options.pollMs ?? 100);
  }
}
