import { CHAT_LIMITS } from "../../protocol/chat/chat-limits.ts";
import type { ChatNumericName } from "../../protocol/chat/chat-numerics.ts";
import { parseIrcMessage, type IrcMessage } from "../../protocol/chat/parse-irc-message.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";
import { truncateUtf8 } from "../../protocol/chat/truncate-utf8.ts";
import { utf8ByteLength } from "../../protocol/chat/utf8-byte-length.ts";
import { validateNick } from "../../protocol/chat/validate-nick.ts";
import { validateRoom } from "../../protocol/chat/validate-room.ts";
import type { TextCommand } from "./broadcast.ts";
import type { ChatConnection } from "./chat-connection.ts";
import type { ChatRoom } from "./chat-hub.ts";
import { packWords } from "./pack-words.ts";

export const SERVER_VERSION = "socklab-chat-1";

interface IrcCommandSpec {
  readonly minParams: number;
  /** The error when fewer parameters came; ERR_NEEDMOREPARAMS unless said otherwise. */
  readonly missing?: ChatNumericName;
  /** Allowed before registration completes (the others get ERR_NOTREGISTERED). */
  readonly beforeRegistration?: boolean;
  readonly handle: (conn: ChatConnection, params: readonly string[]) => void;
}

const ignore = (): void => undefined;

/** The IRC subset this server speaks; anything else gets ERR_UNKNOWNCOMMAND. */
const IRC_COMMANDS: Readonly<Record<string, IrcCommandSpec>> = {
  CAP: { minParams: 1, beforeRegistration: true, handle: cap },
  // No passwords here; accepted so that clients configured with one still connect.
  PASS: { minParams: 1, beforeRegistration: true, handle: ignore },
  NICK: { minParams: 1, missing: "ERR_NONICKNAMEGIVEN", beforeRegistration: true, handle: nick },
  USER: { minParams: 4, beforeRegistration: true, handle: user },
  PING: { minParams: 1, missing: "ERR_NOORIGIN", beforeRegistration: true, handle: ping },
  PONG: { minParams: 0, beforeRegistration: true, handle: ignore },
  QUIT: { minParams: 0, beforeRegistration: true, handle: quit },
  JOIN: { minParams: 1, handle: join },
  PART: { minParams: 1, handle: part },
  PRIVMSG: { minParams: 0, handle: (conn, params) => sendText(conn, params, "PRIVMSG") },
  NOTICE: { minParams: 0, handle: (conn, params) => sendText(conn, params, "NOTICE") },
  NAMES: { minParams: 0, handle: names },
};

/** One line from an IRC client. */
export function handleIrcLine(conn: ChatConnection, text: string): void {
  let message: IrcMessage;
  try {
    message = parseIrcMessage(text);
  } catch {
    return conn.replyError("ERR_UNKNOWNCOMMAND", ircParam(text.split(" ")[0] ?? ""));
  }
  const spec = Object.hasOwn(IRC_COMMANDS, message.command) ? IRC_COMMANDS[message.command] : undefined;
  if (spec === undefined) return conn.replyError("ERR_UNKNOWNCOMMAND", ircParam(message.command));
  if (!conn.registered && spec.beforeRegistration !== true)
    return conn.replyError("ERR_NOTREGISTERED", undefined);
  if (message.params.length < spec.minParams) {
    const missing = spec.missing ?? "ERR_NEEDMOREPARAMS";
    return conn.replyError(missing, missing === "ERR_NEEDMOREPARAMS" ? message.command : undefined);
  }
  spec.handle(conn, message.params);
}

// IRCv3 capability negotiation with no capabilities: enough for clients that always start with CAP LS.
function cap(conn: ChatConnection, params: readonly string[]): void {
  const subcommand = (params[0] ?? "").toUpperCase();
  const reply = (...rest: string[]): void =>
    conn.sendIrc({ prefix: conn.settings.serverName, command: "CAP", params: [conn.nick, ...rest] });
  if (subcommand === "LS") {
    conn.registration.capNegotiating = !conn.registered;
    reply("LS", "");
  } else if (subcommand === "LIST") {
    reply("LIST", "");
  } else if (subcommand === "REQ") {
    reply("NAK", params[1] ?? "");
  } else if (subcommand === "END") {
    conn.registration.capNegotiating = false;
    completeRegistration(conn);
  } else {
    conn.replyError("ERR_INVALIDCAPCMD", ircParam(subcommand));
  }
}

function nick(conn: ChatConnection, params: readonly string[]): void {
  const wanted = params[0] ?? "";
  const problem = validateNick(wanted);
  if (problem !== undefined)
    return conn.replyError("ERR_ERRONEUSNICKNAME", ircParam(wanted), `Erroneous nickname: ${problem}`);
  if (!conn.registered) {
    if (conn.hub.findMember(wanted) !== undefined) return conn.replyError("ERR_NICKNAMEINUSE", wanted);
    conn.registration.nick = wanted;
    return completeRegistration(conn);
  }
  if (wanted === conn.nick) return;
  if (!conn.hub.rename(conn, wanted)) conn.replyError("ERR_NICKNAMEINUSE", wanted);
}

function user(conn: ChatConnection, params: readonly string[]): void {
  if (conn.registered) return conn.replyError("ERR_ALREADYREGISTERED", undefined);
  // Kept short and to safe characters: it becomes part of every prefix this user sends.
  const name = (params[0] ?? "").replace(/[^A-Za-z0-9._-]/g, "_").slice(0, CHAT_LIMITS.maxUserLength);
  conn.userName = `~${name === "" ? "user" : name}`;
  conn.registration.userGiven = true;
  completeRegistration(conn);
}

function completeRegistration(conn: ChatConnection): void {
  const { nick: wanted, userGiven, capNegotiating } = conn.registration;
  if (conn.registered || wanted === undefined || !userGiven || capNegotiating) return;
  if (!conn.register(wanted)) {
    conn.registration.nick = undefined;
    return conn.replyError("ERR_NICKNAMEINUSE", wanted);
  }
  sendWelcome(conn);
}

function sendWelcome(conn: ChatConnection): void {
  const { serverName, createdAt } = conn.settings;
  conn.sendNumeric("RPL_WELCOME", [], `Welcome to the socklab IRC network ${conn.prefix}`);
  conn.sendNumeric("RPL_YOURHOST", [], `Your host is ${serverName}, running version ${SERVER_VERSION}`);
  conn.sendNumeric("RPL_CREATED", [], `This server was created ${createdAt.toISOString()}`);
  // No user or channel modes are kept; "i" and "n" are listed because clients expect four parameters.
  conn.sendNumeric("RPL_MYINFO", [serverName, SERVER_VERSION, "i", "n"], "");
  conn.sendNumeric("RPL_ISUPPORT", isupportTokens());
  conn.sendNumeric("RPL_MOTDSTART", [], `- ${serverName} Message of the day -`);
  for (const line of MOTD) conn.sendNumeric("RPL_MOTD", [], `- ${line}`);
  conn.sendNumeric("RPL_ENDOFMOTD", []);
}

const MOTD = [
  "socklab chat: IRC clients and plain-line users (nc) share the same rooms.",
  "Plain-line users land in #lab; JOIN #lab to talk with them.",
];

function isupportTokens(): string[] {
  const targets = ["JOIN", "PART", "PRIVMSG", "NOTICE", "NAMES"].map(
    (command) => `${command}:${CHAT_LIMITS.maxTargets}`,
  );
  return [
    "CASEMAPPING=ascii",
    "CHANTYPES=#",
    `CHANNELLEN=${CHAT_LIMITS.maxRoomLength}`,
    `NICKLEN=${CHAT_LIMITS.maxNickLength}`,
    `USERLEN=${CHAT_LIMITS.maxUserLength}`,
    "NETWORK=socklab",
    "PREFIX=",
    `TARGMAX=${targets.join(",")}`,
    "UTF8ONLY",
  ];
}

function ping(conn: ChatConnection, params: readonly string[]): void {
  const { serverName } = conn.settings;
  const pong = (token: string): IrcMessage => ({
    prefix: serverName,
    command: "PONG",
    params: [serverName, token],
  });
  // A token that fills a 512-byte PING would make the PONG (with its prefix) longer than a line: cut it.
  const tokenBudgetBytes = CHAT_LIMITS.maxLineBytes - utf8ByteLength(serializeIrcMessage(pong("")));
  conn.sendIrc(pong(truncateUtf8(params[0] ?? "", tokenBudgetBytes)));
}

function quit(conn: ChatConnection, params: readonly string[]): void {
  const reason = params[0];
  conn.close(
    reason === undefined || reason === ""
      ? "Quit"
      : `Quit: ${truncateUtf8(reason, CHAT_LIMITS.maxReasonBytes)}`,
  );
}

function join(conn: ChatConnection, params: readonly string[]): void {
  // JOIN 0 leaves every room (RFC 2812 section 3.2.1).
  if (params[0] === "0") {
    for (const room of [...conn.rooms]) conn.hub.part(conn, room, undefined);
    return;
  }
  for (const name of targetsOf(conn, params[0] ?? "")) {
    const problem = validateRoom(name);
    if (problem !== undefined) {
      conn.replyError("ERR_NOSUCHCHANNEL", ircParam(name), `No such channel: ${problem}`);
    } else if (!isIn(conn, name)) {
      sendNames(conn, conn.hub.join(conn, name));
    }
  }
}

function part(conn: ChatConnection, params: readonly string[]): void {
  const reason =
    params[1] === undefined || params[1] === ""
      ? undefined
      : truncateUtf8(params[1], CHAT_LIMITS.maxReasonBytes);
  for (const name of targetsOf(conn, params[0] ?? "")) {
    const room = conn.hub.findRoom(name);
    if (room === undefined) conn.replyError("ERR_NOSUCHCHANNEL", ircParam(name));
    else if (!room.members.has(conn)) conn.replyError("ERR_NOTONCHANNEL", room.name);
    else conn.hub.part(conn, room, reason);
  }
}

// NOTICE never gets an error back (RFC 2812 section 3.3.2), so that two bots cannot loop.
function sendText(conn: ChatConnection, params: readonly string[], command: TextCommand): void {
  const fail = command === "NOTICE" ? ignore : conn.replyError.bind(conn);
  const [targets = "", text = ""] = params;
  if (targets === "") return fail("ERR_NORECIPIENT", undefined, `No recipient given (${command})`);
  if (text === "") return fail("ERR_NOTEXTTOSEND", undefined);
  const bytes = utf8ByteLength(text);
  if (bytes > CHAT_LIMITS.maxTextBytes) {
    return fail(
      "ERR_INPUTTOOLONG",
      undefined,
      `Message text has at most ${CHAT_LIMITS.maxTextBytes} bytes, got ${bytes}; not sent`,
    );
  }
  for (const target of targetsOf(conn, targets, fail)) {
    if (target.startsWith("#")) {
      const room = conn.hub.findRoom(target);
      if (room === undefined) fail("ERR_NOSUCHCHANNEL", ircParam(target));
      else if (!room.members.has(conn)) fail("ERR_CANNOTSENDTOCHAN", room.name);
      else conn.hub.say(conn, room, text, command);
    } else {
      const member = conn.hub.findMember(target);
      if (member === undefined) fail("ERR_NOSUCHNICK", ircParam(target));
      else conn.hub.tell(conn, member, text, command);
    }
  }
}

function names(conn: ChatConnection, params: readonly string[]): void {
  if (params[0] === undefined || params[0] === "") {
    for (const room of conn.rooms) sendNames(conn, room);
    if (conn.rooms.size === 0) conn.sendNumeric("RPL_ENDOFNAMES", ["*"]);
    return;
  }
  for (const name of targetsOf(conn, params[0])) {
    const room = conn.hub.findRoom(name);
    if (room === undefined) conn.sendNumeric("RPL_ENDOFNAMES", [ircParam(name)]);
    else sendNames(conn, room);
  }
}

/** RPL_NAMREPLY lines, as many as the room needs to stay within 512 bytes each, then RPL_ENDOFNAMES. */
function sendNames(conn: ChatConnection, room: ChatRoom): void {
  const head = `:${conn.settings.serverName} 353 ${conn.nick} = ${room.name} :`;
  const nicks = [...room.members].map((member) => member.nick);
  for (const line of packWords(nicks, CHAT_LIMITS.maxLineBytes - 2 - utf8ByteLength(head))) {
    conn.sendNumeric("RPL_NAMREPLY", ["=", room.name, line], "");
  }
  conn.sendNumeric("RPL_ENDOFNAMES", [room.name]);
}

type Fail = ChatConnection["replyError"];

/** The comma-separated targets, at most TARGMAX of them; the rest get ERR_TOOMANYTARGETS. */
function targetsOf(conn: ChatConnection, list: string, fail: Fail = conn.replyError.bind(conn)): string[] {
  const targets = list.split(",").filter((target) => target !== "");
  for (const extra of targets.slice(CHAT_LIMITS.maxTargets)) {
    fail("ERR_TOOMANYTARGETS", ircParam(extra), `Too many targets: at most ${CHAT_LIMITS.maxTargets}`);
  }
  return targets.slice(0, CHAT_LIMITS.maxTargets);
}

function isIn(conn: ChatConnection, name: string): boolean {
  const room = conn.hub.findRoom(name);
  return room !== undefined && room.members.has(conn);
}

/** What a client sent, safe to echo as a middle parameter of a numeric: short, no spaces, no leading colon. */
function ircParam(text: string): string {
  const safe = truncateUtf8(text, 64).replace(/ /g, "_").replace(/^:/, "_");
  return safe === "" ? "*" : safe;
}
