import { hostSocklabCommand } from "../output/invoked-as.ts";
import { describe, expect, it } from "vitest";
import { rejectsWith } from "../test-support/rejects-with.ts";
import { scriptedSockets } from "../test-support/scripted-sockets.ts";
import { checkKeepalive } from "./check-keepalive.ts";

const OPTIONS = { clients: 1, timeoutMs: 1_000 };
const quiet = (): void => undefined;
const off = 'ESTAB 0 0 172.18.0.6:41310 172.18.0.3:7 users:(("python3",pid=60,fd=3)) ts sack rto:204';
const on = (timer: string, probes: number) =>
  `ESTAB 0 0 172.18.0.6:41296 172.18.0.3:7 users:(("python3",pid=61,fd=3)) timer:(keepalive,${timer},${probes}) ts sack rto:204`;

describe("check 11: keepalive under a partition", () => {
  it("passes when the keepalive client's probes go unanswered and its kernel drops it, while the other stays", async () => {
    const sockets = scriptedSockets([
      `${on("904ms", 0)}\n${off}`,
      `${on("904ms", 0)}\n${off}`,
      `${on("1.000ms", 1)}\n${off}`,
      `${on("1.000ms", 2)}\n${off}`,
      `${on("1.000ms", 3)}\n${off}`,
      off,
    ]);
    const passed = await checkKeepalive(OPTIONS, quiet, sockets);
    expect(passed.facts.join("\n")).toMatch(/unanswered probes: 1 at 0\.0 s, 2 at 0\.\d s, 3 at 0\.\d s/);
    expect(passed.facts.join("\n")).toMatch(
      /its kernel dropped the connection .* after the first unanswered probe/,
    );
    expect(passed.facts).toContain(
      "172.18.0.6:41310, without keepalive, is still ESTABLISHED: it cannot know the path is gone",
    );
  });

  it("fails on a keepalive left at the default idle time, naming TCP_KEEPIDLE", async () => {
    const sockets = scriptedSockets([`${on("119min", 0)}\n${off}`]);
    await rejectsWith(checkKeepalive(OPTIONS, quiet, sockets), {
      message: "runs out in 7140 s",
      lookAt: "TCP_KEEPIDLE, 2",
    });
  });

  it("fails without a client that has no keepalive, pointing at step 1", async () => {
    await rejectsWith(checkKeepalive(OPTIONS, quiet, scriptedSockets([on("904ms", 0)])), {
      message: "1 connection(s) to tcp-echo:7, 1 with a keepalive timer",
      lookAt: "python3 idle.py off",
    });
  });

  it("fails when no probe goes unanswered (no partition)", async () => {
    const sockets = scriptedSockets([`${on("904ms", 0)}\n${off}`]);
    await rejectsWith(checkKeepalive(OPTIONS, quiet, sockets), {
      message: "no keepalive probe of 172.18.0.6:41296 went unanswered",
      lookAt: hostSocklabCommand("fault partition tcp-echo workbench"),
    });
  });

  it("fails when the client without keepalive is gone too", async () => {
    const sockets = scriptedSockets([`${on("904ms", 0)}\n${off}`, `${on("1.000ms", 1)}\n${off}`, ""]);
    await rejectsWith(checkKeepalive(OPTIONS, quiet, sockets), {
      message: "without keepalive (172.18.0.6:41310) is gone too",
    });
  });
});
