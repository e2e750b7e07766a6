import { isIPv4, isIPv6 } from "node:net";
import { unmapAddress } from "../../protocol/format-endpoint.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type {
  AddressFamily,
  SocketOwner,
  SocketProtocol,
  SocketState,
  SocketSummary,
  TcpState,
  UdpState,
} from "./socket-entry.ts";

/** One row of `ss -tanH` / `ss -uanH` (iproute2 6.1): no timers, uid or inode without -e. */
export interface SsEntry extends SocketSummary {
  /** The device the socket is bound to (SO_BINDTODEVICE or a scoped address), as `%eth0` shows it. */
  boundInterface?: string;
  /** With -e: the owner's uid (ss leaves `uid:` out when it is 0) and the socket inode (`ino:`). */
  uid?: number;
  inode?: number;
}

/** ss names (iproute2 misc/ss.c sstate_name[]) to netstat names; ss says UNCONN for TCP_CLOSE. */
export const TCP_STATE_BY_SS_NAME: Readonly<Record<string, TcpState>> = {
  ESTAB: "ESTABLISHED",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECV": "SYN_RECV",
  "FIN-WAIT-1": "FIN_WAIT1",
  "FIN-WAIT-2": "FIN_WAIT2",
  "TIME-WAIT": "TIME_WAIT",
  UNCONN: "CLOSE",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "LAST-ACK": "LAST_ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
};

export const UDP_STATE_BY_SS_NAME: Readonly<Record<string, UdpState>> = {
  ESTAB: "ESTABLISHED",
  UNCONN: "UNCONN",
};

const STATE_BY_SS_NAME: Readonly<Record<SocketProtocol, Readonly<Record<string, SocketState>>>> = {
  tcp: TCP_STATE_BY_SS_NAME,
  udp: UDP_STATE_BY_SS_NAME,
};

const DECIMAL = /^\d+$/;
// `[fe80::2]%eth0` or `10.0.0.1%lo` or `*`: the address, then the bound device if any.
const BRACKETED_HOST = /^\[([^\]]+)\](?:%(.+))?$/;
const PLAIN_HOST = /^([^%[\]]+)(?:%(.+))?$/;
const FIRST_USER = /^users:\(\("(.*?)",pid=(\d+),/;
// Fields of -e, after the process column: ` uid:10001 ino:416772 sk:13 ...`.
const DETAIL_UID = /(?:^|\s)uid:(\d+)(?=\s|$)/;
const DETAIL_INODE = /(?:^|\s)ino:(\d+)(?=\s|$)/;

class LineError extends Error {}

interface SsEndpoint {
  address: string;
  family: AddressFamily;
  port: number;
  v4Mapped: boolean;
  boundInterface?: string;
}

function hostAddress(host: string): { address: string; family: AddressFamily; v4Mapped: boolean } {
  // ss prints `*` for in6addr_any on a dual-stack (not IPV6_V6ONLY) socket; /proc shows it as `::`.
  if (host === "*") return { address: "::", family: 6, v4Mapped: false };
  if (isIPv4(host)) return { address: host, family: 4, v4Mapped: false };
  if (!isIPv6(host)) throw new LineError(`${JSON.stringify(host)} is not a numeric address (run ss with -n)`);
  const address = unmapAddress(host);
  return { address, family: 6, v4Mapped: address !== host };
}

function parseEndpoint(text: string, what: string): SsEndpoint {
  const colon = text.lastIndexOf(":");
  const portText = text.slice(colon + 1);
  const hostText = text.slice(0, Math.max(colon, 0));
  if (colon < 0 || (portText !== "*" && !DECIMAL.test(portText))) {
    throw new LineError(`${what} ${JSON.stringify(text)} has no numeric port (run ss with -n)`);
  }
  const match = hostText.startsWith("[") ? BRACKETED_HOST.exec(hostText) : PLAIN_HOST.exec(hostText);
  if (!match?.[1]) throw new LineError(`${what} ${JSON.stringify(text)} is not ADDRESS:PORT`);
  const endpoint: SsEndpoint = { ...hostAddress(match[1]), port: portText === "*" ? 0 : Number(portText) };
  if (match[2] !== undefined) endpoint.boundInterface = match[2];
  return endpoint;
}

function parseOwner(processColumn: string): SocketOwner | undefined {
  const match = FIRST_USER.exec(processColumn);
  return match?.[1] !== undefined && match[2] !== undefined
    ? { program: match[1], pid: Number(match[2]) }
    : undefined;
}

/** uid and inode from the -e details; none without -e. ss prints `uid:` only when it is not 0. */
function parseDetails(rest: string): { uid: number; inode: number } | undefined {
  const inode = DETAIL_INODE.exec(rest)?.[1];
  if (inode === undefined) return undefined;
  return { uid: Number(DETAIL_UID.exec(rest)?.[1] ?? 0), inode: Number(inode) };
}

function parseQueue(text: string | undefined, what: string): number {
  if (text === undefined || !DECIMAL.test(text)) throw new LineError(`${what} is not a number`);
  return Number(text);
}

function lineProtocol(fields: string[], protocol: SocketProtocol | undefined): SocketProtocol {
  const first = fields[0];
  // With both -t and -u, ss adds a Netid column first.
  if (first === "tcp" || first === "udp") {
    fields.shift();
    return first;
  }
  if (!protocol) throw new LineError("no Netid column: pass the protocol the ss command listed");
  return protocol;
}

function parseLine(line: string, protocol: SocketProtocol | undefined): SsEntry {
  const fields = line.trim().split(/\s+/);
  const lineProto = lineProtocol(fields, protocol);
  const [stateName = "", recvQ, sendQ, localText, peerText, ...processColumn] = fields;
  const state = STATE_BY_SS_NAME[lineProto][stateName];
  if (!state) throw new LineError(`${stateName} is not a ${lineProto} state`);
  if (localText === undefined || peerText === undefined) throw new LineError("expected at least 5 columns");
  const local = parseEndpoint(localText, "local address");
  const peer = parseEndpoint(peerText, "peer address");
  const entry: SsEntry = {
    protocol: lineProto,
    family: local.family,
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: peer.address,
    remotePort: peer.port,
    v4Mapped: local.v4Mapped || peer.v4Mapped,
    state,
    sendQueueBytes: parseQueue(sendQ, "Send-Q"),
    receiveQueueBytes: parseQueue(recvQ, "Recv-Q"),
  };
  if (local.boundInterface !== undefined) entry.boundInterface = local.boundInterface;
  const rest = processColumn.join(" ");
  const owner = parseOwner(rest);
  if (owner) entry.owner = owner;
  const details = parseDetails(rest);
  if (details) Object.assign(entry, details);
  return entry;
}

function isHeader(line: string): boolean {
  return /^\s*(State|Netid)\s+/.test(line);
}

/**
 * Parses `ss -tanH` or `ss -uanH` output (pass the protocol), or `ss -tuanH` (Netid column). The
 * Process column of -p fills `owner` with its first process; the details of -e fill `uid` and
 * `inode`. Queues mean what ss says: for LISTEN, Recv-Q is the accept queue and Send-Q the backlog
 * limit, unlike /proc's tx_queue of 0.
 * Throws a SocklabError with code ERR_SS_FORMAT that quotes the first malformed line.
 */
export function parseSs(text: string, protocol?: SocketProtocol): SsEntry[] {
  const entries: SsEntry[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "" || (entries.length === 0 && isHeader(line))) return;
    try {
      entries.push(parseLine(line, protocol));
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      throw new SocklabError(
        "ERR_SS_FORMAT",
        `ss output line ${index + 1}: ${error.message}; got ${JSON.stringify(line)}`,
        { cause: error },
      );
    }
  });
  return entries;
}
