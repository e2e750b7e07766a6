import { hostSocklabCommand } from "../output/invoked-as.ts";
import { describe, expect, it } from "vitest";
import { rejectsWith } from "../test-support/rejects-with.ts";
import { scriptedSockets } from "../test-support/scripted-sockets.ts";
import { checkRetransmission } from "./check-retransmission.ts";

const OPTIONS = { clients: 1, timeoutMs: 1_000 };
const quiet = (): void => undefined;
const SOCAT = 'users:(("socat",pid=51,fd=5))';
const idle = `ESTAB 0 0 172.18.0.6:53882 172.18.0.3:7 ${SOCAT} ts sack rto:204 rtt:0.071/0.043 snd_wnd:65536`;
const lost = (backoff: number, rtoMs: number) =>
  `ESTAB 0 6 172.18.0.6:53882 172.18.0.3:7 ${SOCAT} timer:(on,${rtoMs - 20}ms,${backoff}) ts sack rto:${rtoMs} backoff:${backoff} retrans:1/${backoff + 1}`;

describe("check 10: the RTO under a blackhole", () => {
  it("passes when the RTO doubles three times in a row and the bytes are then acknowledged, with the figures", async () => {
    const sockets = scriptedSockets([
      idle,
      idle,
      lost(1, 408),
      lost(1, 408),
      lost(2, 816),
      lost(3, 1632),
      idle,
    ]);
    const passed = await checkRetransmission(OPTIONS, quiet, sockets);
    expect(passed.facts).toContain(
      "the RTO doubled at each timeout: backoff 1 rto 408 ms, backoff 2 rto 816 ms, backoff 3 rto 1632 ms",
    );
    expect(passed.facts.join("\n")).toMatch(/the bytes were acknowledged \(Send-Q 0\)/);
  });

  it("fails without a connection to tcp-echo:7, pointing at step 1", async () => {
    await rejectsWith(checkRetransmission(OPTIONS, quiet, scriptedSockets([""])), {
      message: "no connection from the workbench to tcp-echo:7 within 1000 ms",
      lookAt: "socat - TCP:tcp-echo:7",
    });
  });

  it("fails when nothing goes unacknowledged (no fault in force), pointing at step 3", async () => {
    await rejectsWith(checkRetransmission(OPTIONS, quiet, scriptedSockets([idle])), {
      message: "no byte sent to tcp-echo:7 went unacknowledged long enough to be resent within 1000 ms",
      lookAt: hostSocklabCommand("fault blackhole tcp-echo"),
    });
  });

  it("fails when the fault is gone before the third timeout", async () => {
    const sockets = scriptedSockets([idle, lost(1, 408), lost(2, 816), idle]);
    await rejectsWith(checkRetransmission(OPTIONS, quiet, sockets), {
      message: "the RTO to tcp-echo:7 backed off 2 time(s) in a row, not 3",
    });
  });

  it("passes when a level went unseen between two polls, the RTO having doubled at each timeout between", async () => {
    const sockets = scriptedSockets([idle, lost(1, 408), lost(3, 1632), idle]);
    const passed = await checkRetransmission(OPTIONS, quiet, sockets);
    expect(passed.facts).toContain(
      "the RTO doubled at each timeout: backoff 1 rto 408 ms, backoff 3 rto 1632 ms",
    );
  });

  it("fails when a level went unseen and the RTO did not double at each timeout between", async () => {
    const sockets = scriptedSockets([idle, lost(1, 408), lost(3, 816), idle]);
    await rejectsWith(checkRetransmission(OPTIONS, quiet, sockets), {
      message: "the RTO went from 408 ms (backoff 1) to 816 ms (backoff 3): ×2.00, not ×4",
    });
  });

  it("fails when the RTO does not double from one timeout to the next", async () => {
    const sockets = scriptedSockets([idle, lost(1, 408), lost(2, 500), lost(3, 600), idle]);
    await rejectsWith(checkRetransmission(OPTIONS, quiet, sockets), {
      message: "the RTO went from 408 ms (backoff 1) to 500 ms (backoff 2): ×1.23, not ×2",
    });
  });

  it("fails when the bytes are never acknowledged after the backoff, pointing at step 4", async () => {
    const sockets = scriptedSockets([idle, lost(1, 408), lost(2, 816), lost(3, 1632)]);
    await rejectsWith(checkRetransmission(OPTIONS, quiet, sockets), {
      message: "the bytes are still unacknowledged 1000 ms after the RTO backed off",
      lookAt: "Ctrl-C on the fault command",
    });
  });
});
