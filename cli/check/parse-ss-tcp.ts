import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import { parseSs, type SsEntry } from "../../labkit/socket-table/parse-ss.ts";

/** One TCP socket as `ss -tinopHO` prints it: labkit's row, with -o's timer and -i's figures. */
export interface SsTcpSocket extends SsEntry {
  /** `address:port` of this end, for messages. */
  local: string;
  /** The kernel's timer: on (retransmission), keepalive, persist (zero window), timewait... */
  timer?: SsTimer;
  /** `-i`'s `name:value` figures as printed: rto, backoff, retrans, snd_wnd, bytes_acked... */
  info: Readonly<Record<string, string>>;
}

export interface SsTimer {
  name: string;
  /** When it runs out, from now. */
  remainingMs: number;
  /** Retransmissions of `on`, probes sent unanswered of `keepalive` and `persist`. */
  count: number;
}

const TIMER = /timer:\((\w+),([^,]+),(\d+)\)/;
// ss writes a time as minutes, seconds and milliseconds run together: 1min30sec, 58sec, 396ms, and
// 2 s 136 ms as "2.136ms".
const SS_TIME = /^(?:(\d+)min)?(?:(\d+)(?:sec|\.))?(?:(\d+)ms)?$/;
// State, Recv-Q, Send-Q, local and peer: what labkit's parseSs reads; -o and -i come after them.
const HEAD_FIELDS = /^\s*(?:\S+\s+){4}\S+/;

/** The sockets of `ss -tinopHO` output (one line each); a header and lines that are no socket are left out. */
export function parseSsTcp(text: string): SsTcpSocket[] {
  return text.split("\n").flatMap((line) => {
    const [entry] = readLine(line);
    if (!entry) return [];
    const rest = line.replace(HEAD_FIELDS, "");
    const timer = TIMER.exec(rest);
    return [
      {
        ...entry,
        local: formatEndpoint(entry.localAddress, entry.localPort),
        ...(timer
          ? {
              timer: { name: timer[1] ?? "", remainingMs: ssTimeMs(timer[2] ?? ""), count: Number(timer[3]) },
            }
          : {}),
        info: infoFigures(rest),
      },
    ];
  });
}

// parseSs refuses a line it cannot read; a check polling ss skips it and reads the next sample.
function readLine(line: string): SsEntry[] {
  try {
    return parseSs(line, "tcp");
  } catch {
    return [];
  }
}

// `rto:204 backoff:3 retrans:1/4`, leaving out the (...) groups: users:, timer:, bbr:.
function infoFigures(rest: string): Record<string, string> {
  const figures: Record<string, string> = {};
  for (const [, name = "", value = ""] of rest.replace(/\w+:\([^)]*\)/g, "").matchAll(/\b([a-z_]+):(\S+)/g))
    figures[name] = value;
  return figures;
}

/** `2.136ms` -> 2136, `58sec` -> 58000, `1min30sec` -> 90000; NaN for what ss would not print. */
export function ssTimeMs(text: string): number {
  const match = SS_TIME.exec(text);
  if (!match || text === "") return Number.NaN;
  const [, minutes = "0", seconds = "0", ms = "0"] = match;
  return (Number(minutes) * 60 + Number(seconds)) * 1000 + Number(ms);
}
