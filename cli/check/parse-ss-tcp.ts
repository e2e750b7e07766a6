/** One TCP socket as `ss -tinopHO` prints it, one line per socket. */
export interface SsTcpSocket {
  /** ss's state names: ESTAB, FIN-WAIT-2, ... */
  state: string;
  recvQBytes: number;
  sendQBytes: number;
  local: string;
  peer: string;
  /** The port of `peer`, e.g. 7 for `172.18.0.3:7`. */
  peerPort: number;
  /** The first process that holds it (`python3`, `nc`), if any. */
  process?: string;
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

const HEAD = /^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(.*)$/;
const PROCESS = /users:\(\("([^"]+)"/;
const TIMER = /timer:\((\w+),([^,]+),(\d+)\)/;
// ss writes a time as minutes, seconds and milliseconds run together: 1min30sec, 58sec, 396ms, and
// 2 s 136 ms as "2.136ms".
const SS_TIME = /^(?:(\d+)min)?(?:(\d+)(?:sec|\.))?(?:(\d+)ms)?$/;

/** The sockets of `ss -tinopHO` output (no header, one line each); lines it cannot read are left out. */
export function parseSsTcp(text: string): SsTcpSocket[] {
  return text.split("\n").flatMap((line) => {
    const head = HEAD.exec(line.trim());
    if (!head) return [];
    const [, state = "", recvQ = "0", sendQ = "0", local = "", peer = "", rest = ""] = head;
    const timer = TIMER.exec(rest);
    const processName = PROCESS.exec(rest)?.[1];
    return [
      {
        state,
        recvQBytes: Number(recvQ),
        sendQBytes: Number(sendQ),
        local,
        peer,
        peerPort: Number(peer.slice(peer.lastIndexOf(":") + 1)),
        ...(processName === undefined ? {} : { process: processName }),
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
