import { formatPlainServerLine } from "../../protocol/chat/format-plain-server-line.ts";
import type { IrcMessage } from "../../protocol/chat/parse-irc-message.ts";
import type { PlainServerLine } from "../../protocol/chat/plain-server-line.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";

/** Who caused an event, as it was at that moment (a nick change reports the old nick). */
export interface EventSource {
  readonly nick: string;
  /** `nick!user@host`, the IRC prefix. */
  readonly prefix: string;
}

export type TextCommand = "PRIVMSG" | "NOTICE";

/** Something the hub tells members about, independent of the protocol each one speaks. */
export type HubEvent =
  | {
      readonly kind: "message";
      readonly from: EventSource;
      readonly room: string;
      readonly text: string;
      readonly command: TextCommand;
    }
  | {
      readonly kind: "private";
      readonly from: EventSource;
      readonly to: string;
      readonly text: string;
      readonly command: TextCommand;
    }
  | { readonly kind: "join"; readonly from: EventSource; readonly room: string }
  | {
      readonly kind: "part";
      readonly from: EventSource;
      readonly room: string;
      readonly reason: string | undefined;
    }
  | { readonly kind: "nick"; readonly from: EventSource; readonly newNick: string }
  | { readonly kind: "quit"; readonly from: EventSource; readonly reason: string };

/** How a member reads the server: plain lines, IRC, or not yet known (treated as IRC). */
export type ChatMode = "unknown" | "plain" | "irc";

type Encoders<T> = { [K in HubEvent["kind"]]: (event: Extract<HubEvent, { kind: K }>) => T };

const AS_PLAIN: Encoders<PlainServerLine> = {
  message: (event) => ({ kind: "message", from: event.from.nick, text: event.text }),
  private: (event) => ({ kind: "private", from: event.from.nick, text: event.text }),
  join: (event) => ({ kind: "join", nick: event.from.nick, room: event.room }),
  part: (event) => ({ kind: "part", nick: event.from.nick, room: event.room, reason: event.reason }),
  nick: (event) => ({ kind: "nick", nick: event.from.nick, newNick: event.newNick }),
  quit: (event) => ({ kind: "quit", nick: event.from.nick, reason: event.reason }),
};

const AS_IRC: Encoders<IrcMessage> = {
  message: (event) => ({
    prefix: event.from.prefix,
    command: event.command,
    params: [event.room, event.text],
  }),
  private: (event) => ({ prefix: event.from.prefix, command: event.command, params: [event.to, event.text] }),
  join: (event) => ({ prefix: event.from.prefix, command: "JOIN", params: [event.room] }),
  part: (event) => ({
    prefix: event.from.prefix,
    command: "PART",
    params: event.reason === undefined ? [event.room] : [event.room, event.reason],
  }),
  nick: (event) => ({ prefix: event.from.prefix, command: "NICK", params: [event.newNick] }),
  quit: (event) => ({ prefix: event.from.prefix, command: "QUIT", params: [event.reason] }),
};

/**
 * One event on its way to many members: encoded at most once per protocol, however many receive it,
 * so a fan-out to a room costs one write of a shared buffer per member.
 */
export class Broadcast {
  readonly event: HubEvent;
  #plain: Buffer | undefined;
  #irc: Buffer | undefined;

  constructor(event: HubEvent) {
    this.event = event;
  }

  bytesFor(mode: ChatMode): Buffer {
    if (mode === "plain") {
      this.#plain ??= Buffer.from(`${formatPlainServerLine(encode(AS_PLAIN, this.event))}\r\n`);
      return this.#plain;
    }
    this.#irc ??= Buffer.from(serializeIrcMessage(encode(AS_IRC, this.event)));
    return this.#irc;
  }
}

function encode<T>(encoders: Encoders<T>, event: HubEvent): T {
  const encoder = encoders[event.kind] as (event: HubEvent) => T;
  return encoder(event);
}
