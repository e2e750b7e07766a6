import { parseSsTcp, type SsTcpSocket } from "../check/parse-ss-tcp.ts";
import type { SocketsTo } from "../check/watch-workbench-sockets.ts";

/**
 * A SocketsTo that answers each read with the next of `samples` (lines as `ss -tinopHO` prints
 * them), then the last one for ever: a lab's sockets as a check would see them, step by step.
 */
export function scriptedSockets(samples: readonly string[]): SocketsTo {
  const parsed: SsTcpSocket[][] = samples.map((text) => parseSsTcp(text));
  let next = 0;
  return () => {
    const sample = parsed[Math.min(next, parsed.length - 1)] ?? [];
    next += 1;
    return Promise.resolve(sample);
  };
}
