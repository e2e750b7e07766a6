import { SocklabError } from "../../protocol/socklab-error.ts";
import { decodeProcAddress, type DecodedAddress } from "./decode-proc-address.ts";
import type {
  AddressFamily,
  SocketEntry,
  SocketProtocol,
  SocketState,
  SocketTimerKind,
  TcpState,
  UdpState,
} from "./socket-entry.ts";

export type {
  AddressFamily,
  SocketEntry,
  SocketOwner,
  SocketProtocol,
  SocketState,
  SocketSummary,
  SocketTimer,
  SocketTimerKind,
  TcpState,
  UdpState,
} from "./socket-entry.ts";

export type ProcNetFile = "tcp" | "tcp6" | "udp" | "udp6";

/** `st` as /proc prints it (include/net/tcp_states.h), under the names netstat prints. */
export const TCP_STATE_BY_CODE: Readonly<Record<string, TcpState>> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  // Request sockets (TCP_NEW_SYN_RECV, 0C inside the kernel) are printed as 03 too.
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/**
 * UDP reuses two TCP codes: 07 (TCP_CLOSE) for a bound or unconnected socket, which ss calls
 * UNCONN, and 01 (TCP_ESTABLISHED) after connect().
 */
export const UDP_STATE_BY_CODE: Readonly<Record<string, UdpState>> = {
  "01": "ESTABLISHED",
  "07": "UNCONN",
};

/** `tr`: which timer is pending. 2 also covers delayed ACK and the FIN_WAIT2 keepalive-timer mode. */
export const TIMER_KIND_BY_CODE: Readonly<Record<string, SocketTimerKind>> = {
  "00": "none",
  "01": "retransmit",
  "02": "keepalive",
  "03": "time_wait",
  "04": "zero_window_probe",
};

interface ProcNetFileSpec {
  protocol: SocketProtocol;
  family: AddressFamily;
  addressHexDigits: number;
  stateByCode: Readonly<Record<string, SocketState>>;
}

const FILE_SPECS: Readonly<Record<ProcNetFile, ProcNetFileSpec>> = {
  tcp: { protocol: "tcp", family: 4, addressHexDigits: 8, stateByCode: TCP_STATE_BY_CODE },
  tcp6: { protocol: "tcp", family: 6, addressHexDigits: 32, stateByCode: TCP_STATE_BY_CODE },
  udp: { protocol: "udp", family: 4, addressHexDigits: 8, stateByCode: UDP_STATE_BY_CODE },
  udp6: { protocol: "udp", family: 6, addressHexDigits: 32, stateByCode: UDP_STATE_BY_CODE },
};

// tm->when is printed by jiffies_delta_to_clock_t(): USER_HZ ticks of 1/100 s, not jiffies.
const MS_PER_USER_HZ_TICK = 10;
// TIME_WAIT and SYN_RECV rows end after the kernel pointer; full sockets go on; inode is the 10th.
const MIN_FIELDS = 10;
// UDP rows end with "ref pointer drops".
const UDP_DROPS_FIELD = 12;
const HEX = /^[0-9A-Fa-f]+$/;
const DECIMAL = /^\d+$/;

class LineError extends Error {}

function hexNumber(text: string | undefined, what: string): number {
  if (text === undefined || !HEX.test(text)) throw new LineError(`${what} is not hex`);
  return Number.parseInt(text, 16);
}

function decimalNumber(text: string | undefined, what: string): number {
  if (text === undefined || !DECIMAL.test(text)) throw new LineError(`${what} is not a decimal number`);
  return Number(text);
}

/** Splits "A:B" where both halves are hex, e.g. `0100007F:1B58` or `00000000:00000012`. */
function hexPair(text: string | undefined, what: string): [string, string] {
  const [left, right, extra] = (text ?? "").split(":");
  if (
    left === undefined ||
    right === undefined ||
    extra !== undefined ||
    !HEX.test(left) ||
    !HEX.test(right)
  ) {
    throw new LineError(`${what} is not HEX:HEX`);
  }
  return [left, right];
}

function endpoint(
  text: string | undefined,
  spec: ProcNetFileSpec,
  what: string,
): DecodedAddress & { port: number } {
  const [addressHex, portHex] = hexPair(text, what);
  const decoded = addressHex.length === spec.addressHexDigits ? decodeProcAddress(addressHex) : undefined;
  if (!decoded) throw new LineError(`${what} needs ${spec.addressHexDigits} hex digits of address`);
  return { ...decoded, port: hexNumber(portHex, `${what} port`) };
}

function parseLine(fields: readonly string[], spec: ProcNetFileSpec): SocketEntry {
  if (fields.length < MIN_FIELDS) throw new LineError(`expected at least ${MIN_FIELDS} fields`);
  if (!/^\d+:$/.test(fields[0] ?? "")) throw new LineError(`sl is not "N:"`);
  const local = endpoint(fields[1], spec, "local_address");
  const remote = endpoint(fields[2], spec, "rem_address");
  const state = spec.stateByCode[(fields[3] ?? "").toUpperCase()];
  if (!state) throw new LineError(`st ${fields[3] ?? ""} is not a ${spec.protocol} state`);
  const [txQueue, rxQueue] = hexPair(fields[4], "tx_queue:rx_queue");
  const [timerCode, whenTicks] = hexPair(fields[5], "tr:tm->when");
  const timerKind = TIMER_KIND_BY_CODE[timerCode.toUpperCase()];
  if (!timerKind) throw new LineError(`tr ${timerCode} is not a known timer`);
  const entry: SocketEntry = {
    protocol: spec.protocol,
    family: spec.family,
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote.address,
    remotePort: remote.port,
    v4Mapped: local.v4Mapped || remote.v4Mapped,
    state,
    sendQueueBytes: hexNumber(txQueue, "tx_queue"),
    receiveQueueBytes: hexNumber(rxQueue, "rx_queue"),
    timer: { kind: timerKind, remainingMs: hexNumber(whenTicks, "tm->when") * MS_PER_USER_HZ_TICK },
    retransmits: hexNumber(fields[6], "retrnsmt"),
    uid: decimalNumber(fields[7], "uid"),
    inode: decimalNumber(fields[9], "inode"),
  };
  if (spec.protocol === "udp" && fields.length > UDP_DROPS_FIELD) {
    entry.drops = decimalNumber(fields[UDP_DROPS_FIELD], "drops");
  }
  return entry;
}

function isHeader(fields: readonly string[]): boolean {
  return fields[0] === "sl";
}

/**
 * Parses the text of /proc/net/tcp, tcp6, udp or udp6 (header line optional, blank lines ignored,
 * an empty text is no sockets: tcp6 is missing when IPv6 is disabled).
 * Throws a SocklabError with code ERR_PROC_NET_FORMAT that quotes the first malformed line.
 * Assumes a little-endian kernel (see decodeProcAddress).
 */
export function parseProcNet(text: string, file: ProcNetFile): SocketEntry[] {
  const spec = FILE_SPECS[file];
  const entries: SocketEntry[] = [];
  text.split("\n").forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === "" || (entries.length === 0 && isHeader(fields))) return;
    try {
      entries.push(parseLine(fields, spec));
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      const where = `/proc/net/${file} line ${index + 1}`;
      throw new SocklabError(
        "ERR_PROC_NET_FORMAT",
        `${where}: ${error.message}; got ${JSON.stringify(line)}`,
        {
          cause: error,
        },
      );
    }
  });
  return entries;
}
