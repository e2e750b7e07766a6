import type { SocketSummary } from "./socket-entry.ts";

/** One container's sockets and its own addresses, as a side of `pairConnectionEnds`. */
export interface ConnectionSide<T extends SocketSummary = SocketSummary> {
  entries: readonly T[];
  /** The container's addresses on the lab's network(s). */
  addresses: readonly string[];
}

/** The two ends of one connection; an end whose socket is gone (TIME_WAIT over, closed) is absent. */
export interface ConnectionPair<T extends SocketSummary = SocketSummary> {
  left?: T;
  right?: T;
}

const sameEnds = (a: SocketSummary, b: SocketSummary): boolean =>
  a.protocol === b.protocol &&
  a.localPort === b.remotePort &&
  a.remotePort === b.localPort &&
  a.localAddress === b.remoteAddress &&
  a.remoteAddress === b.localAddress;

/**
 * The connections between two containers, each end's socket beside the other's: a socket of one
 * side whose peer is an address of the other, matched with the socket there that has the same two
 * ends reversed. In the order of the left side's sockets, then the right side's unmatched ones.
 */
export function pairConnectionEnds<T extends SocketSummary>(
  left: ConnectionSide<T>,
  right: ConnectionSide<T>,
): ConnectionPair<T>[] {
  const toward = (side: ConnectionSide<T>, other: ConnectionSide<T>) =>
    side.entries.filter((e) => e.remotePort !== 0 && other.addresses.includes(e.remoteAddress));
  const rights = toward(right, left);
  const used = new Set<T>();
  const pairs: ConnectionPair<T>[] = toward(left, right).map((l) => {
    const r = rights.find((candidate) => !used.has(candidate) && sameEnds(l, candidate));
    if (r) used.add(r);
    return r ? { left: l, right: r } : { left: l };
  });
  return [...pairs, ...rights.filter((r) => !used.has(r)).map((r) => ({ right: r }))];
}
