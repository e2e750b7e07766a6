import { checkChatClient } from "./check-chat-client.ts";
import type { CheckPass } from "./check-failure.ts";
import { checkFramingServer } from "./check-framing-server.ts";
import { checkKeepalive } from "./check-keepalive.ts";
import type { CheckOptions, CheckProgress } from "./check-options.ts";
import { checkRetransmission } from "./check-retransmission.ts";
import { checkSelectServer } from "./check-select-server.ts";
import { checkStrace } from "./check-strace.ts";
import { checkUpload } from "./check-upload.ts";
import { checkZeroWindow } from "./check-zero-window.ts";

export interface ExerciseCheck {
  /** What the check grades, for `--help` and the PASS line. */
  readonly what: string;
  /** How long one step may wait for the learner by default (a person typing needs minutes). */
  readonly defaultTimeoutMs: number;
  run(options: CheckOptions, progress: CheckProgress): Promise<CheckPass>;
}

/**
 * What `socklab check N` runs, by exercise: the learner's own code (4 to 9), or what the learner
 * made happen in the live lab, watched from the workbench's kernel (10 to 12).
 */
export const EXERCISE_CHECKS: Readonly<Record<number, ExerciseCheck>> = {
  4: { what: "your frame-echo server (framing.py)", defaultTimeoutMs: 5_000, run: checkFramingServer },
  6: { what: "your chat client (my_chat.py)", defaultTimeoutMs: 120_000, run: checkChatClient },
  7: { what: "your upload in the file-transfer store (ft.py)", defaultTimeoutMs: 10_000, run: checkUpload },
  8: { what: "your select() echo server (select_echo.py)", defaultTimeoutMs: 10_000, run: checkSelectServer },
  9: { what: "your strace logs of the hello server and client", defaultTimeoutMs: 5_000, run: checkStrace },
  // A person runs the fault and types while these watch: a step may wait two minutes.
  10: {
    what: "your connection under a blackhole: the RTO doubles, then the bytes get through",
    defaultTimeoutMs: 120_000,
    run: checkRetransmission,
  },
  11: {
    what: "your two idle clients under a partition: keepalive probes, then the drop",
    defaultTimeoutMs: 120_000,
    run: checkKeepalive,
  },
  12: {
    what: "your writer and the reader that never reads: a full Send-Q under the zero window",
    defaultTimeoutMs: 60_000,
    run: checkZeroWindow,
  },
};
