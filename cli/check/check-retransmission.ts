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

const STEP_1 = "step 1: `socat - TCP:tcp-echo:7` in a workbench terminal, left running";
const STEP_3 = `step 3: \`${hostSocklabCommand("fault blackhole tcp-echo --direction in --port 7 --seconds 60")}\` on the host, then type a line in socat`;
const STEP_4 = "step 4: Ctrl-C on the fault command removes the blackhole (or wait out its --seconds)";
// The timeouts in a row the check waits for (backoff 3: rto 408, 816, 1632 ms), of which it must
// have seen two levels at least; a level that lasted less than its poll may go unseen.
const BACKOFF_WANTED = 3;
const LEVELS_SEEN = 2;
// The kernel doubles the RTO exactly (up to its 120 s cap); ss rounds it to the millisecond.
const DOUBLING_TOLERANCE = 0.05;

interface Backoff {
  backoff: number;
  rtoMs: number;
  atMs: number;
}

/**
 * Exercise 10: watches the workbench's connection to tcp-echo:7 while the learner blackholes what
 * tcp-echo receives: the bytes they typed stay unacknowledged under a retransmission timer whose
 * RTO doubles at each timeout (backoff 1, 2, 3), and once the fault is removed they get through.
 */
export async function checkRetransmission(
  options: CheckOptions,
  progress: CheckProgress,
  socketsTo: SocketsTo = workbenchSocketsTo,
): Promise<CheckPass> {
  const { where, readEstablished: read } = watchedTarget(options, { host: "tcp-echo", port: 7 }, socketsTo);
  progress(`looking for the workbench's connection to ${where} (${STEP_1})`);
  const first = await watchSockets(
    read,
    (sockets) => (sockets.length > 0 ? sockets : undefined),
    options.timeoutMs,
  );
  if (!first)
    throw new CheckFailure(
      `no connection from the workbench to ${where} within ${options.timeoutMs} ms`,
      STEP_1,
    );
  progress(`found ${first.map((s) => s.local).join(", ")}; now ${STEP_3}`);
  const history = new Map<string, Backoff[]>();
  let mostInARow = 0;
  const backedOff = await watchSockets(
    read,
    (sockets, atMs) => {
      for (const socket of sockets) record(history, socket, atMs);
      mostInARow = Math.max(mostInARow, ...[...history.values()].map((seen) => seen.at(-1)?.backoff ?? 0));
      return [...history.entries()].find(
        ([, seen]) => seen.length >= LEVELS_SEEN && (seen.at(-1)?.backoff ?? 0) >= BACKOFF_WANTED,
      );
    },
    options.timeoutMs,
  );
  if (!backedOff) throw noBackoff(mostInARow, where, options.timeoutMs);
  const [local, seen] = backedOff;
  requireDoubling(seen);
  progress(`the RTO backed off to backoff ${seen.at(-1)?.backoff ?? 0}; now ${STEP_4}`);
  const through = await watchSockets(
    read,
    (sockets, atMs) => {
      const socket = sockets.find((s) => s.local === local);
      if (!socket) return { gone: true, atMs };
      return socket.sendQueueBytes === 0 ? { gone: false, atMs } : undefined;
    },
    options.timeoutMs,
  );
  if (!through || through.gone)
    throw new CheckFailure(
      through
        ? `the connection ${local} -> ${where} closed before its bytes got through`
        : `the bytes are still unacknowledged ${options.timeoutMs} ms after the RTO backed off`,
      through ? `${STEP_1}: keep socat running until its line comes back` : STEP_4,
    );
  const last = seen.at(-1) as Backoff;
  return {
    facts: [
      `${local} -> ${where}: your line stayed unacknowledged under the retransmission timer`,
      `the RTO doubled at each timeout: ${seen.map((b) => `backoff ${b.backoff} rto ${b.rtoMs} ms`).join(", ")}`,
      `once the fault was gone, the bytes were acknowledged (Send-Q 0), ${(through.atMs / 1000).toFixed(1)} s after backoff ${last.backoff} was seen`,
    ],
  };
}

// Each new backoff level of each connection, with the RTO it came with; a timer reset (the bytes
// acknowledged) or a lower level starts the row over.
function record(history: Map<string, Backoff[]>, socket: SsTcpSocket, atMs: number): void {
  const backoff = Number(socket.info["backoff"] ?? 0);
  const rtoMs = Number(socket.info["rto"]);
  const seen = history.get(socket.local) ?? [];
  const last = seen.at(-1);
  if (socket.timer?.name !== "on" || socket.sendQueueBytes === 0 || backoff === 0) {
    if (last) history.set(socket.local, []);
    return;
  }
  if (last && backoff === last.backoff) return;
  const row = last && backoff > last.backoff ? seen : [];
  history.set(socket.local, [...row, { backoff, rtoMs, atMs }]);
}

function requireDoubling(seen: readonly Backoff[]): void {
  for (let i = 1; i < seen.length; i += 1) {
    const before = seen[i - 1] as Backoff;
    const after = seen[i] as Backoff;
    const ratio = after.rtoMs / before.rtoMs;
    const doubled = 2 ** (after.backoff - before.backoff);
    if (Math.abs(ratio - doubled) > doubled * DOUBLING_TOLERANCE)
      throw new CheckFailure(
        `the RTO went from ${before.rtoMs} ms (backoff ${before.backoff}) to ${after.rtoMs} ms (backoff ${after.backoff}): ×${ratio.toFixed(2)}, not ×${doubled}`,
        "`ss -tino dst tcp-echo` in the workbench, a few times a second: rto: and backoff: of the connection",
      );
  }
}

function noBackoff(most: number, where: string, timeoutMs: number): CheckFailure {
  return new CheckFailure(
    most === 0
      ? `no byte sent to ${where} went unacknowledged long enough to be resent within ${timeoutMs} ms`
      : `the RTO to ${where} backed off ${most} time(s) in a row, not ${BACKOFF_WANTED}, within ${timeoutMs} ms (was the fault removed that soon?)`,
    STEP_3,
  );
}
