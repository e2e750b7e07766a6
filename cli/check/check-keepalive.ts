import { hostSocklabCommand } from "../output/invoked-as.ts";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions, CheckProgress } from "./check-options.ts";
import type { SsTcpSocket } from "./parse-ss-tcp.ts";
import {
  watchedTarget,
  watchSockets,
  workbenchSocketsTo,
  type SocketsTo,
} from "./watch-workbench-sockets.ts";

const STEP_1 =
  "step 1: `python3 idle.py on` and `python3 idle.py off`, in two workbench terminals, both left running";
const STEP_3 = `step 3: \`${hostSocklabCommand("fault partition tcp-echo workbench --seconds 60")}\` on the host`;
// idle.py sets TCP_KEEPIDLE to 2 s; the default, 7200 s, would mean no probe during the exercise.
const KEEPIDLE_MAX_MS = 2_000;

interface Probe {
  probes: number;
  atMs: number;
}

/**
 * Exercise 11: finds the two idle clients (one with SO_KEEPALIVE and a 2 s TCP_KEEPIDLE, one
 * without), then watches them while the learner partitions tcp-echo from the workbench: the
 * keepalive client's probes go unanswered one by one and its kernel drops the connection, while
 * the other stays ESTABLISHED, not knowing.
 */
export async function checkKeepalive(
  options: CheckOptions,
  progress: CheckProgress,
  socketsTo: SocketsTo = workbenchSocketsTo,
): Promise<CheckPass> {
  const { where, readEstablished: read } = watchedTarget(options, { host: "tcp-echo", port: 7 }, socketsTo);
  progress(`looking for two idle connections to ${where}, one with a keepalive timer (${STEP_1})`);
  const pair = await watchSockets(read, (sockets) => idlePair(sockets), options.timeoutMs);
  if (!pair) throw noPair(await read(), where, options.timeoutMs);
  const { on, off } = pair;
  const idleMs = on.timer?.remainingMs ?? Number.NaN;
  if (!(idleMs <= KEEPIDLE_MAX_MS))
    throw new CheckFailure(
      `${on.local} has a keepalive timer, but it runs out in ${Math.round(idleMs / 1000)} s: the first probe would come far too late`,
      "idle.py: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 2) after SO_KEEPALIVE (the default is 7200 s)",
    );
  progress(`keepalive on: ${on.local} (${on.owner?.program ?? "?"}), off: ${off.local}; now ${STEP_3}`);
  const probes: Probe[] = [];
  const dropped = await watchSockets(
    read,
    (sockets, atMs) => {
      const now = sockets.find((s) => s.local === on.local);
      if (!now) return { atMs };
      const count = now.timer?.name === "keepalive" ? now.timer.count : 0;
      if (count > (probes.at(-1)?.probes ?? 0)) probes.push({ probes: count, atMs });
      return undefined;
    },
    options.timeoutMs,
  );
  if (!dropped)
    throw new CheckFailure(
      probes.length === 0
        ? `no keepalive probe of ${on.local} went unanswered within ${options.timeoutMs} ms: tcp-echo still answers them`
        : `${probes.at(-1)?.probes ?? 0} keepalive probes of ${on.local} went unanswered, and its kernel has not dropped it within ${options.timeoutMs} ms`,
      probes.length === 0 ? STEP_3 : "idle.py: TCP_KEEPCNT 3 gives up after 3 unanswered probes",
    );
  const firstMs = probes[0]?.atMs ?? dropped.atMs;
  const offAfter = (await read()).find((s) => s.local === off.local);
  if (!offAfter)
    throw new CheckFailure(
      `the connection without keepalive (${off.local}) is gone too: it should not know of the partition`,
      "keep `python3 idle.py off` running through the partition; only the client with SO_KEEPALIVE probes",
    );
  const seconds = (ms: number) => `${((ms - firstMs) / 1000).toFixed(1)} s`;
  return {
    facts: [
      `${on.local} -> ${where} had a keepalive timer (${idleMs} ms left, at most TCP_KEEPIDLE's 2 s); ${off.local} had none`,
      `unanswered probes: ${probes.map((p) => `${p.probes} at ${seconds(p.atMs)}`).join(", ") || "none seen (they came faster than the check looked)"}`,
      `its kernel dropped the connection ${seconds(dropped.atMs)} after the first unanswered probe (recv: ETIMEDOUT)`,
      `${off.local}, without keepalive, is still ESTABLISHED: it cannot know the path is gone`,
    ],
  };
}

// The client with keepalive has a keepalive timer (and no probe out yet); the other has no timer at all.
function idlePair(sockets: readonly SsTcpSocket[]): { on: SsTcpSocket; off: SsTcpSocket } | undefined {
  const on = sockets.find(
    (s) => s.timer?.name === "keepalive" && s.timer.count === 0 && s.sendQueueBytes === 0,
  );
  const off = sockets.find((s) => s.timer === undefined && s.sendQueueBytes === 0);
  return on && off ? { on, off } : undefined;
}

function noPair(sockets: readonly SsTcpSocket[], where: string, timeoutMs: number): CheckFailure {
  const withKeepalive = sockets.filter((s) => s.timer?.name === "keepalive").length;
  return new CheckFailure(
    `within ${timeoutMs} ms: ${sockets.length} connection(s) to ${where}, ${withKeepalive} with a keepalive timer; expected one with and one without` +
      (withKeepalive > 0 && sockets.some((s) => s.timer?.name === "keepalive" && s.timer.count > 0)
        ? " (a probe is already unanswered: start check 11 before the partition)"
        : ""),
    STEP_1,
  );
}
