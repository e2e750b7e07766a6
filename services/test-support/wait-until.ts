import { setTimeout as delay } from "node:timers/promises";
import { SocklabError } from "../../protocol/socklab-error.ts";

const POLL_MS = 10;

/** Polls `condition` until it holds or `timeoutMs` passes; the error names what was awaited. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() >= deadline)
      throw new SocklabError("ERR_WAIT_TIMEOUT", `waited ${timeoutMs} ms for ${what}`);
    await delay(POLL_MS);
  }
}
