import { checkChatClient } from "./check-chat-client.ts";
import type { CheckPass } from "./check-failure.ts";
import { checkFramingServer } from "./check-framing-server.ts";
import type { CheckOptions, CheckProgress } from "./check-options.ts";
import { checkSelectServer } from "./check-select-server.ts";
import { checkStrace } from "./check-strace.ts";
import { checkUpload } from "./check-upload.ts";

export interface ExerciseCheck {
  /** What the check grades, for `--help` and the PASS line. */
  readonly what: string;
  /** How long one step may wait for the learner by default (a person typing needs minutes). */
  readonly defaultTimeoutMs: number;
  run(options: CheckOptions, progress: CheckProgress): Promise<CheckPass>;
}

/** The exercises whose learner writes code, by number: what `socklab check N` runs. */
export const EXERCISE_CHECKS: Readonly<Record<number, ExerciseCheck>> = {
  4: { what: "your frame-echo server (framing.py)", defaultTimeoutMs: 5_000, run: checkFramingServer },
  6: { what: "your chat client (my_chat.py)", defaultTimeoutMs: 120_000, run: checkChatClient },
  7: { what: "your upload in the file-transfer store (ft.py)", defaultTimeoutMs: 10_000, run: checkUpload },
  8: { what: "your select() echo server (select_echo.py)", defaultTimeoutMs: 10_000, run: checkSelectServer },
  9: { what: "your strace logs of the hello server and client", defaultTimeoutMs: 5_000, run: checkStrace },
};
