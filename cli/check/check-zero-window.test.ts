import { describe, expect, it } from "vitest";
import { rejectsWith } from "../test-support/rejects-with.ts";
import { scriptedSockets } from "../test-support/scripted-sockets.ts";
import { checkZeroWindow } from "./check-zero-window.ts";

const OPTIONS = { clients: 1, timeoutMs: 500 };
const quiet = (): void => undefined;
const NC = 'users:(("nc",pid=2443,fd=3))';
// As seen in exercise 12's step 3, and in its step 4 (a slow link instead), toward the same port.
const ZERO_WINDOW = `ESTAB 0 478664 172.18.0.6:50116 172.18.0.3:7103 ${NC} timer:(persist,24sec,0) ts sack rto:212 backoff:7 bytes_acked:127545 notsent:478664`;
const SLOW_LINK = `ESTAB 0 764232 172.18.0.6:60292 172.18.0.3:7103 ${NC} timer:(on,2.684ms,0) ts sack rto:2704 bytes_acked:415417 snd_wnd:965632`;

describe("check 12: the zero window", () => {
  it("passes on a full Send-Q under the persist timer, with what the reader's kernel holds unread", async () => {
    const passed = await checkZeroWindow(OPTIONS, quiet, scriptedSockets(["", ZERO_WINDOW]));
    expect(passed.facts).toEqual([
      "172.18.0.6:50116 -> tcp-echo:7103 (nc): Send-Q 478664 bytes waiting in the writer's kernel",
      "its timer is persist (zero-window probes, 0 sent so far), not on: the receiver advertises a window of 0",
      "tcp-echo:7103's kernel acknowledged 127544 bytes that its application never read: its Recv-Q",
    ]);
  });

  it("fails on a slow link, saying it is step 4's and not a slow reader", async () => {
    await rejectsWith(checkZeroWindow(OPTIONS, quiet, scriptedSockets([SLOW_LINK])), {
      message: "Send-Q 764232 bytes, timer on",
      lookAt: "a slow link (step 4), not a slow reader",
    });
  });

  it("fails without a writer, pointing at steps 1 and 2", async () => {
    await rejectsWith(checkZeroWindow(OPTIONS, quiet, scriptedSockets([""])), {
      message: "no connection from the workbench to tcp-echo:7103 within 500 ms",
      lookAt: "head -c 4000000 /dev/zero | nc -N tcp-echo 7103",
    });
  });
});
