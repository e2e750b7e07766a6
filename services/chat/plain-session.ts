import { CHAT_LIMITS } from "../../protocol/chat/chat-limits.ts";
import { foldCase } from "../../protocol/chat/fold-case.ts";
import {
  PLAIN_COMMANDS,
  parsePlainCommand,
  type PlainCommand,
} from "../../protocol/chat/parse-plain-command.ts";
import { truncateUtf8 } from "../../protocol/chat/truncate-utf8.ts";
import { utf8ByteLength } from "../../protocol/chat/utf8-byte-length.ts";
import { validateNick } from "../../protocol/chat/validate-nick.ts";
import { validateRoom } from "../../protocol/chat/validate-room.ts";
import type { ChatConnection } from "./chat-connection.ts";
import type { ChatRoom } from "./chat-hub.ts";
import { packWords } from "./pack-words.ts";

type Handler<K extends PlainCommand["kind"]> = (
  conn: ChatConnection,
  command: Extract<PlainCommand, { kind: K }>,
) => void;
type Handlers = { [K in PlainCommand["kind"]]: Handler<K> };

const NICK_QUESTION =
  "type a nick: up to 16 letters, digits or - [ ] \\ ` _ ^ { | }, not starting with a digit or -";

/** One line from a plain-line user: before a nick is chosen, then as a message or a /command. */
export function handlePlainLine(conn: ChatConnection, text: string): void {
  const command = parsePlainCommand(text);
  const table: Partial<Handlers> = conn.registered ? REGISTERED : BEFORE_NICK;
  const handler = (table[command.kind] ?? notYet) as (conn: ChatConnection, command: PlainCommand) => void;
  handler(conn, command);
}

const BEFORE_NICK: Partial<Handlers> = {
  // The answer to the nick question is the whole line.
  say: (conn, command) => chooseNick(conn, command.text.trim()),
  nick: (conn, command) => chooseNick(conn, command.nick),
  help: (conn) => {
    sendHelp(conn);
    askNick(conn);
  },
  quit: (conn, command) => conn.close(quitReason(command.reason)),
};

const REGISTERED: Handlers = {
  say: (conn, command) => {
    const room = currentRoom(conn);
    if (room === undefined)
      return conn.replyError("ERR_NOTONCHANNEL", undefined, "you are in no room: /join one to talk");
    if (tooLong(conn, command.text)) return;
    conn.hub.say(conn, room, command.text, "PRIVMSG");
  },
  nick: (conn, command) => {
    if (command.nick === conn.nick)
      return conn.sendPlain({ kind: "info", text: `you are already ${conn.nick}` });
    const problem = validateNick(command.nick);
    if (problem !== undefined) return conn.replyError("ERR_ERRONEUSNICKNAME", shorten(command.nick), problem);
    if (!conn.hub.rename(conn, command.nick)) return conn.replyError("ERR_NICKNAMEINUSE", command.nick);
  },
  join: (conn, command) => {
    const problem = validateRoom(command.room);
    if (problem !== undefined) return conn.replyError("ERR_NOSUCHCHANNEL", shorten(command.room), problem);
    const current = currentRoom(conn);
    if (current !== undefined && foldCase(current.name) === foldCase(command.room)) {
      return conn.sendPlain({ kind: "info", text: `you are already in ${current.name}` });
    }
    // A plain-line user is in one room at a time: every line it types goes there.
    if (current !== undefined) conn.hub.part(conn, current, undefined);
    joinRoom(conn, command.room);
  },
  part: (conn, command) => {
    const current = currentRoom(conn);
    if (
      current === undefined ||
      (command.room !== undefined && foldCase(command.room) !== foldCase(current.name))
    ) {
      return conn.replyError(
        "ERR_NOTONCHANNEL",
        command.room === undefined ? undefined : shorten(command.room),
        "you are not in that room",
      );
    }
    conn.hub.part(conn, current, undefined);
    conn.sendPlain({ kind: "info", text: `you are in no room now: /join ROOM to talk again` });
  },
  who: (conn, command) => {
    const name = command.room ?? currentRoom(conn)?.name;
    if (name === undefined)
      return conn.replyError("ERR_NOTONCHANNEL", undefined, "you are in no room: /who ROOM names one");
    const room = conn.hub.findRoom(name);
    if (room === undefined)
      return conn.replyError("ERR_NOSUCHCHANNEL", shorten(name), "nobody is in that room");
    sendMembers(conn, room);
  },
  msg: (conn, command) => {
    const target = conn.hub.findMember(command.nick);
    if (target === undefined) return conn.replyError("ERR_NOSUCHNICK", shorten(command.nick));
    if (tooLong(conn, command.text)) return;
    conn.hub.tell(conn, target, command.text, "PRIVMSG");
  },
  quit: (conn, command) => conn.close(quitReason(command.reason)),
  help: (conn) => sendHelp(conn),
  "missing-argument": (conn, command) =>
    conn.replyError("ERR_NEEDMOREPARAMS", command.command, `usage: ${command.usage}`),
  unknown: (conn, command) =>
    conn.replyError(
      "ERR_UNKNOWNCOMMAND",
      shorten(command.command),
      "Unknown command; /help lists the commands",
    ),
};

function notYet(conn: ChatConnection): void {
  conn.replyError("ERR_NOTREGISTERED", undefined, "choose a nick first");
  askNick(conn);
}

function chooseNick(conn: ChatConnection, nick: string): void {
  const problem = validateNick(nick);
  if (problem !== undefined) {
    conn.replyError("ERR_ERRONEUSNICKNAME", shorten(nick), problem);
    return askNick(conn);
  }
  if (!conn.register(nick)) {
    conn.replyError("ERR_NICKNAMEINUSE", nick);
    return askNick(conn);
  }
  conn.sendPlain({
    kind: "info",
    text: `welcome, ${nick}: every line you type goes to your room; /help lists the commands`,
  });
  joinRoom(conn, conn.settings.defaultRoom);
}

function askNick(conn: ChatConnection): void {
  conn.sendPlain({ kind: "question", topic: "nick", text: NICK_QUESTION });
}

function joinRoom(conn: ChatConnection, name: string): void {
  sendMembers(conn, conn.hub.join(conn, name));
}

function sendMembers(conn: ChatConnection, room: ChatRoom): void {
  const total = room.members.size;
  const head = `- members of ${room.name} (${total}): `;
  const nicks = [...room.members].map((member) => member.nick);
  for (const line of packWords(nicks, CHAT_LIMITS.maxLineBytes - 2 - utf8ByteLength(head))) {
    conn.sendPlain({ kind: "members", room: room.name, total, nicks: line.split(" ") });
  }
}

function sendHelp(conn: ChatConnection): void {
  conn.sendPlain({
    kind: "info",
    text: "a line that does not start with / goes to your room; //text sends /text",
  });
  for (const spec of Object.values(PLAIN_COMMANDS))
    conn.sendPlain({ kind: "info", text: `${spec.usage}: ${spec.summary}` });
}

function currentRoom(conn: ChatConnection): ChatRoom | undefined {
  return conn.rooms.values().next().value;
}

function tooLong(conn: ChatConnection, text: string): boolean {
  const bytes = utf8ByteLength(text);
  if (bytes <= CHAT_LIMITS.maxTextBytes) return false;
  conn.replyError(
    "ERR_INPUTTOOLONG",
    undefined,
    `a message has at most ${CHAT_LIMITS.maxTextBytes} bytes of UTF-8, got ${bytes}; not sent`,
  );
  return true;
}

function quitReason(reason: string | undefined): string {
  return reason === undefined ? "Quit" : `Quit: ${truncateUtf8(reason, CHAT_LIMITS.maxReasonBytes)}`;
}

/** Echoes what the user typed in an error without letting it make the line too long. */
function shorten(text: string): string {
  return truncateUtf8(text, 64);
}
