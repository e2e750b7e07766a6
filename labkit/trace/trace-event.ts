import type { TcpState } from "../socket-table/socket-entry.ts";

/** A TCP state as the kernel's tracepoint names it (without `TCP_`); NEW_SYN_RECV is a request socket. */
export type TraceState = TcpState | "NEW_SYN_RECV";

export interface SocketAddress {
  /** Dotted IPv4 or compressed IPv6; a v4-mapped IPv6 address is shown as plain IPv4. */
  address: string;
  port: number;
}

/** TCP flags as tcpdump prints them: `S`, `S.`, `.`, `P.`, `F.`, `R.` (`.` is ACK). */
export type TcpFlags = string;

interface EventAtEnd {
  /** Nanoseconds since the recording started, on the one clock of packets and transitions. */
  atNs: number;
  /** The lab service whose network namespace the event happened in. */
  end: string;
  local: SocketAddress;
  remote: SocketAddress;
}

/**
 * A socket changed state (sock:inet_sock_set_state), or, when `inferred`, packets imply it did.
 * `from` may equal `to`: the kernel reports close() of a socket in CLOSING as CLOSING -> CLOSING.
 */
export interface TransitionEvent extends EventAtEnd {
  kind: "transition";
  from: TraceState;
  to: TraceState;
  /** True when read from packets because tracefs was out of reach, not from the kernel. */
  inferred: boolean;
  /**
   * What the kernel itself reported, when `to` says more: a socket handed over to a timewait
   * socket is reported as going to CLOSE, and is shown as TIME_WAIT when the FIN that put it
   * there was captured at this end.
   */
  kernelTo?: TraceState;
}

/** The kernel sent or received a RST on this connection (tcp:tcp_send_reset, tcp:tcp_receive_reset). */
export interface ResetEvent extends EventAtEnd {
  kind: "reset";
  direction: "sent" | "received";
  /** The socket's state when the reset was sent; unknown for a received one. */
  state?: TraceState;
}

/** The kernel retransmitted a segment (tcp:tcp_retransmit_skb). */
export interface RetransmitEvent extends EventAtEnd {
  kind: "retransmit";
  state: TraceState;
}

/** A TCP segment captured in `end`'s namespace, leaving it (`out`) or arriving (`in`). */
export interface PacketEvent extends EventAtEnd {
  kind: "packet";
  direction: "out" | "in";
  flags: TcpFlags;
  /** Sequence and acknowledgement numbers relative to each direction's first sequence number. */
  seq: number;
  ack: number;
  lengthBytes: number;
  /** The window field as sent (not scaled). */
  window: number;
}

export type TraceEvent = TransitionEvent | ResetEvent | RetransmitEvent | PacketEvent;

/** Where the states came from: the kernel's tracepoints, or inferred from the packets. */
export type StatesSource = "kernel" | "inferred";

/** A recording: every event in time order, and the lab's ends by service name. */
export interface Timeline {
  statesSource: StatesSource;
  /** Why states are inferred (what was missing and what to do); absent when they come from the kernel. */
  inferredBecause?: string;
  /** Wall-clock time of `atNs: 0`, as ISO 8601 with nanoseconds. */
  startedAt: string;
  /** Each traced service with its address on the lab network. */
  ends: readonly { service: string; address: string }[];
  events: readonly TraceEvent[];
  /** How many older events were recorded but not kept (a recording with `keepEvents`); absent when none. */
  droppedEvents?: number;
}

/** The kernel record behind a transition, reset or retransmit, before it is placed on the lab's map. */
export type KernelRecord =
  | {
      kind: "transition";
      taiNs: bigint;
      local: SocketAddress;
      remote: SocketAddress;
      from: TraceState;
      to: TraceState;
    }
  | {
      kind: "reset";
      taiNs: bigint;
      local: SocketAddress;
      remote: SocketAddress;
      direction: "sent" | "received";
      state?: TraceState;
    }
  | { kind: "retransmit"; taiNs: bigint; local: SocketAddress; remote: SocketAddress; state: TraceState };
