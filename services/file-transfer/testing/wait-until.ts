import { setTimeout as delay } from "node:timers/promises";
import { SocklabError } from "../../../protocol/socklab-error.ts";

/** Polls `look` until it returns something other than undefined, or fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  look: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (performance.now() >= deadline)
      throw new SocklabError("ERR_WAIT_TIMEOUT", `waited ${timeoutMs} ms for ${what}`);
    await delay(10);
  }
}
