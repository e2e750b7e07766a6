import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions, CheckProgress } from "./check-options.ts";
import type { SsTcpSocket } from "./parse-ss-tcp.ts";
import {
  watchedTarget,
  watchSockets,
  workbenchSocketsTo,
  type SocketsTo,
} from "./watch-workbench-sockets.ts";

const STEPS_1_2 =
  "steps 1 and 2: the server that never reads (pauseOnConnect) on 7103 in tcp-echo, then `head -c 4000000 /dev/zero | nc -N tcp-echo 7103` in the workbench, left running";
// "Over a hundred kilobytes", as the exercise says: far more than any segment in flight.
const MIN_QUEUED_BYTES = 100 * 1024;

/**
 * Exercise 12, step 3: the writer's connection to the reader that never reads has a full send
 * queue under the persist timer (the receiver advertises a zero window, the sender probes it), and
 * the receiver's kernel holds what it acknowledged and its application never read.
 */
export async function checkZeroWindow(
  options: CheckOptions,
  progress: CheckProgress,
  socketsTo: SocketsTo = workbenchSocketsTo,
): Promise<CheckPass> {
  const { where, readEstablished: read } = watchedTarget(
    options,
    { host: "tcp-echo", port: 7103 },
    socketsTo,
  );
  progress(`looking for a writer in the workbench stalled by a zero window from ${where} (${STEPS_1_2})`);
  let latest: SsTcpSocket[] = [];
  const stalled = await watchSockets(
    read,
    (sockets) => {
      latest = sockets;
      return sockets.find((s) => s.timer?.name === "persist" && s.sendQueueBytes >= MIN_QUEUED_BYTES);
    },
    options.timeoutMs,
  );
  if (!stalled) throw notStalled(latest, where, options.timeoutMs);
  // The reader's kernel acknowledged every byte it took (and the SYN, counted as one).
  const unreadBytes = Number(stalled.info["bytes_acked"] ?? 1) - 1;
  if (unreadBytes < MIN_QUEUED_BYTES)
    throw new CheckFailure(
      `${stalled.local} -> ${where} waits under a zero window, but ${where} took only ${unreadBytes} bytes first`,
      "a reader that never reads fills its receive buffer first: run the server of step 1 as printed",
    );
  return {
    facts: [
      `${stalled.local} -> ${where} (${stalled.owner?.program ?? "?"}): Send-Q ${stalled.sendQueueBytes} bytes waiting in the writer's kernel`,
      `its timer is persist (zero-window probes, ${stalled.timer?.count ?? 0} sent so far), not on: the receiver advertises a window of 0`,
      `${where}'s kernel acknowledged ${unreadBytes} bytes that its application never read: its Recv-Q`,
    ],
  };
}

function notStalled(sockets: readonly SsTcpSocket[], where: string, timeoutMs: number): CheckFailure {
  if (sockets.length === 0)
    return new CheckFailure(`no connection from the workbench to ${where} within ${timeoutMs} ms`, STEPS_1_2);
  const [first] = [...sockets].sort((a, b) => b.sendQueueBytes - a.sendQueueBytes) as [SsTcpSocket];
  const timer = first.timer?.name ?? "none";
  return new CheckFailure(
    `${first.local} -> ${where}: Send-Q ${first.sendQueueBytes} bytes, timer ${timer}, for ${timeoutMs} ms; a writer stalled by a zero window has a Send-Q over ${MIN_QUEUED_BYTES} bytes and the persist timer`,
    timer === "on"
      ? "a timer `on` with a full Send-Q is a slow link (step 4), not a slow reader: remove the bandwidth fault and run steps 1 and 2"
      : `the reader must not read: the server of step 1 (pauseOnConnect), and a writer that sends more than the two buffers hold (4 MB). ${STEPS_1_2}`,
  );
}
