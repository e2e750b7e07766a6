import { parseIrcMessage, type IrcMessage } from "./parse-irc-message.ts";
import type { PlainServerLine } from "./plain-server-line.ts";
import { validateNick } from "./validate-nick.ts";
import { validateRoom } from "./validate-room.ts";

/**
 * What a plain-line client reads: a plain line, an IRC-shaped line (the server's greeting and its
 * closing `ERROR`, sent before it knows which protocol the client speaks), or something else.
 */
export type ParsedServerLine =
  | PlainServerLine
  | { readonly kind: "irc"; readonly message: IrcMessage }
  | { readonly kind: "unknown"; readonly line: string };

type Parser = (line: string) => ParsedServerLine | undefined;

const isNick = (text: string | undefined): text is string =>
  text !== undefined && validateNick(text) === undefined;
const isRoom = (text: string | undefined): text is string =>
  text !== undefined && validateRoom(text) === undefined;

function parseEvent(line: string): ParsedServerLine | undefined {
  let match = /^\* (\S+) joined (\S+)$/.exec(line);
  if (match && isNick(match[1]) && isRoom(match[2])) return { kind: "join", nick: match[1], room: match[2] };
  match = /^\* (\S+) left (\S+)(?: \((.*)\))?$/s.exec(line);
  if (match && isNick(match[1]) && isRoom(match[2]))
    return { kind: "part", nick: match[1], room: match[2], reason: match[3] };
  match = /^\* (\S+) is now known as (\S+)$/.exec(line);
  if (match && isNick(match[1]) && isNick(match[2]))
    return { kind: "nick", nick: match[1], newNick: match[2] };
  match = /^\* (\S+) quit \((.*)\)$/s.exec(line);
  if (match && isNick(match[1])) return { kind: "quit", nick: match[1], reason: match[2] ?? "" };
  return undefined;
}

function parseInfo(line: string): ParsedServerLine | undefined {
  const match = /^- members of (\S+) \((\d+)\): ?(.*)$/s.exec(line);
  const total = Number(match?.[2]);
  // A count past 2^53 is no count a server sends: as a number it would not read back as written.
  if (match && isRoom(match[1]) && Number.isSafeInteger(total)) {
    const nicks = (match[3] ?? "").split(" ").filter((nick) => nick !== "");
    return { kind: "members", room: match[1], total, nicks };
  }
  return { kind: "info", text: line.slice(2) };
}

function parseQuestion(line: string): ParsedServerLine | undefined {
  const match = /^\? (nick|ping): (.*)$/s.exec(line);
  return match
    ? { kind: "question", topic: match[1] === "nick" ? "nick" : "ping", text: match[2] ?? "" }
    : undefined;
}

function parseError(line: string): ParsedServerLine | undefined {
  const match = /^! (\S+)(?: (.*))?$/s.exec(line);
  return match ? { kind: "error", code: match[1] ?? "", text: match[2] ?? "" } : undefined;
}

function parseIrc(line: string): ParsedServerLine | undefined {
  try {
    return { kind: "irc", message: parseIrcMessage(line) };
  } catch {
    return undefined;
  }
}

function parseMessage(line: string): ParsedServerLine | undefined {
  const match = /^(\[private\] )?([^\s:]+): (.*)$/s.exec(line);
  if (!match || !isNick(match[2])) return undefined;
  return { kind: match[1] === undefined ? "message" : "private", from: match[2], text: match[3] ?? "" };
}

// By first character and a space; a nick never starts with one of these, so the rest are messages.
const PARSERS_BY_SIGIL: Readonly<Record<string, Parser>> = {
  "*": parseEvent,
  "-": parseInfo,
  "?": parseQuestion,
  "!": parseError,
};

/** Reads one line from the server (without its line end) back into what it says. */
export function parsePlainServerLine(line: string): ParsedServerLine {
  const sigil = line.slice(0, 1);
  const bySigil =
    Object.hasOwn(PARSERS_BY_SIGIL, sigil) && line.charAt(1) === " " ? PARSERS_BY_SIGIL[sigil] : undefined;
  const parsed =
    bySigil?.(line) ??
    (sigil === ":" || line.startsWith("ERROR ") ? parseIrc(line) : undefined) ??
    parseMessage(line);
  return parsed ?? { kind: "unknown", line };
}
