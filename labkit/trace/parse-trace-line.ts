import type { KernelRecord, SocketAddress, TraceState } from "./trace-event.ts";

// trace_pipe prints `comm-pid [cpu] flags SECONDS.MICROSECONDS: event: key=value ...`; the command
// name may hold spaces and dashes, so the line is read from the timestamp on.
const LINE = /\s(\d+)\.(\d{6}): (\w+): (.*)$/;
const TRACE_STATES = new Set<string>([
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
  "NEW_SYN_RECV",
]);

type Fields = Readonly<Record<string, string>>;
type RecordReader = (taiNs: bigint, fields: Fields) => KernelRecord | undefined;

// One reader per tracepoint; other lines (other events, lost-event notices) give undefined.
const READERS: Readonly<Record<string, RecordReader>> = {
  inet_sock_set_state(taiNs, fields) {
    if (fields["protocol"] !== "IPPROTO_TCP") return undefined;
    const { local, remote } = addressesOf(fields);
    return {
      kind: "transition",
      taiNs,
      local,
      remote,
      from: state(fields["oldstate"]),
      to: state(fields["newstate"]),
    };
  },
  tcp_send_reset(taiNs, fields) {
    return {
      kind: "reset",
      taiNs,
      direction: "sent",
      local: socketAddress(fields["src"]),
      remote: socketAddress(fields["dest"]),
      ...(fields["state"] && fields["state"] !== "UNKNOWN" ? { state: state(fields["state"]) } : {}),
    };
  },
  tcp_receive_reset(taiNs, fields) {
    return { kind: "reset", taiNs, direction: "received", ...addressesOf(fields) };
  },
  tcp_retransmit_skb(taiNs, fields) {
    return { kind: "retransmit", taiNs, ...addressesOf(fields), state: state(fields["state"]) };
  },
};

/** One line of a tracefs trace_pipe, as a kernel record with its TAI timestamp in nanoseconds. */
export function parseTraceLine(line: string): KernelRecord | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  const [, seconds = "0", micros = "0", event = "", rest = ""] = match;
  const reader = READERS[event];
  if (!reader) return undefined;
  // The text form has microseconds only (the kernel prints ns2usecs of its clock).
  const taiNs = BigInt(seconds) * 1_000_000_000n + BigInt(micros) * 1_000n;
  return reader(taiNs, parseFields(rest));
}

function parseFields(text: string): Fields {
  const fields: Record<string, string> = {};
  for (const pair of text.split(" ")) {
    const equals = pair.indexOf("=");
    if (equals > 0) fields[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return fields;
}

function state(name: string | undefined): TraceState {
  const bare = (name ?? "").replace(/^TCP_/, "");
  if (!TRACE_STATES.has(bare)) throw new Error(`unknown TCP state in trace line: ${name}`);
  return bare as TraceState;
}

// An IPv6 socket carries v4-mapped addresses for IPv4 peers; shown as IPv4, as the socket tables do.
function addressesOf(fields: Fields): { local: SocketAddress; remote: SocketAddress } {
  const v6 = fields["family"] === "AF_INET6";
  const local = v6 ? unmapped(fields["saddrv6"]) : (fields["saddr"] ?? "");
  const remote = v6 ? unmapped(fields["daddrv6"]) : (fields["daddr"] ?? "");
  return {
    local: { address: local, port: Number(fields["sport"]) },
    remote: { address: remote, port: Number(fields["dport"]) },
  };
}

function unmapped(address: string | undefined): string {
  const text = address ?? "";
  return text.startsWith("::ffff:") && text.includes(".") ? text.slice("::ffff:".length) : text;
}

// %pISpc prints `1.2.3.4:80` or `[::1]:80`.
function socketAddress(text: string | undefined): SocketAddress {
  const value = text ?? "";
  const colon = value.lastIndexOf(":");
  const address = value.slice(0, colon).replace(/^\[/, "").replace(/\]$/, "");
  return { address: unmapped(address), port: Number(value.slice(colon + 1)) };
}
