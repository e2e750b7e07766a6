import { setTimeout as delay } from "node:timers/promises";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { RunningHelper } from "./run-fault-helper.ts";

/** Waits for a helper to end; ERR_FAULT_FAILED naming `what` if it has not within `timeoutMs`. */
export async function endsWithin(helper: RunningHelper, timeoutMs: number, what: string): Promise<void> {
  const timer = new AbortController();
  const timedOut = delay(timeoutMs, "timeout", { signal: timer.signal }).catch(() => "aborted");
  const first = await Promise.race([helper.ended.then(() => "ended"), timedOut]);
  timer.abort();
  if (first === "timeout")
    throw new SocklabError(
      "ERR_FAULT_FAILED",
      `the fault helper of ${what} did not end within ${timeoutMs} ms; its output: ${helper.output()}`,
    );
}
