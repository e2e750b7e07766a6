/** The data types of the socket table: what /proc/net/{tcp,tcp6,udp,udp6} and ss say about sockets. */

export type SocketProtocol = "tcp" | "udp";

export type AddressFamily = 4 | 6;

/** TCP states under the names net-tools and busybox netstat print. */
export type TcpState =
  | "ESTABLISHED"
  | "SYN_SENT"
  | "SYN_RECV"
  | "FIN_WAIT1"
  | "FIN_WAIT2"
  | "TIME_WAIT"
  | "CLOSE"
  | "CLOSE_WAIT"
  | "LAST_ACK"
  | "LISTEN"
  | "CLOSING";

/** UDP sockets are ESTABLISHED after connect() and UNCONN (as ss says) otherwise. */
export type UdpState = "ESTABLISHED" | "UNCONN";

export type SocketState = TcpState | UdpState;

export type SocketTimerKind = "none" | "retransmit" | "keepalive" | "time_wait" | "zero_window_probe";

export interface SocketTimer {
  kind: SocketTimerKind;
  remainingMs: number;
}

/** The process holding the socket's file descriptor, as `netstat -p` shows it. */
export interface SocketOwner {
  pid: number;
  program: string;
}

/** What both /proc/net and ss tell about a socket: enough to compare the two and to print a table. */
export interface SocketSummary {
  protocol: SocketProtocol;
  family: AddressFamily;
  /** Dotted IPv4 or compressed IPv6; a v4-mapped IPv6 address is shown as plain IPv4. */
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  /** 0 when there is no peer (LISTEN, unconnected UDP). */
  remotePort: number;
  /** True when an address of this IPv6 socket was v4-mapped (`::ffff:a.b.c.d`) and is shown as IPv4. */
  v4Mapped: boolean;
  state: SocketState;
  /** TCP: bytes not yet acknowledged (a queued FIN counts 1); UDP: send buffer memory in use. */
  sendQueueBytes: number;
  /** TCP: bytes not yet read by the application, for LISTEN the accept queue length; UDP: buffer memory. */
  receiveQueueBytes: number;
  owner?: SocketOwner;
}

/** One row of /proc/net/{tcp,tcp6,udp,udp6}. */
export interface SocketEntry extends SocketSummary {
  timer: SocketTimer;
  /** Unrecovered RTO timeouts; for SYN_RECV rows the SYN-ACK retransmits. */
  retransmits: number;
  /** 0 for TIME_WAIT rows; the listener's uid for SYN_RECV rows. */
  uid: number;
  /** 0 when no file descriptor holds the socket (TIME_WAIT, SYN_RECV, not yet accepted, orphaned). */
  inode: number;
  /** UDP only: datagrams dropped because the receive buffer was full. */
  drops?: number;
}
