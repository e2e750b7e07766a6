/**
 * Every IRC numeric reply the chat server sends, by its RFC 2812 / Modern IRC name, with the text
 * it carries. Plain-line users see the same names in error lines: `! ERR_NICKNAMEINUSE ...`.
 */
export const CHAT_NUMERICS = {
  // Registration: RFC 2812 section 5.1.
  RPL_WELCOME: { code: "001", text: "Welcome to the socklab IRC network" },
  RPL_YOURHOST: { code: "002", text: "Your host is the socklab chat server" },
  RPL_CREATED: { code: "003", text: "This server was created" },
  RPL_MYINFO: { code: "004", text: "" },
  RPL_ISUPPORT: { code: "005", text: "are supported by this server" },
  RPL_NAMREPLY: { code: "353", text: "" },
  RPL_ENDOFNAMES: { code: "366", text: "End of /NAMES list" },
  RPL_MOTDSTART: { code: "375", text: "Message of the day" },
  RPL_MOTD: { code: "372", text: "" },
  RPL_ENDOFMOTD: { code: "376", text: "End of /MOTD command" },
  // Errors: RFC 2812 section 5.2, 417 from Modern IRC.
  ERR_NOSUCHNICK: { code: "401", text: "No such nick" },
  ERR_NOSUCHCHANNEL: { code: "403", text: "No such channel" },
  ERR_CANNOTSENDTOCHAN: { code: "404", text: "Cannot send to channel: join it first" },
  ERR_TOOMANYTARGETS: { code: "407", text: "Too many targets" },
  ERR_INVALIDCAPCMD: { code: "410", text: "Invalid CAP command" },
  ERR_NOORIGIN: { code: "409", text: "No origin specified" },
  ERR_NORECIPIENT: { code: "411", text: "No recipient given" },
  ERR_NOTEXTTOSEND: { code: "412", text: "No text to send" },
  ERR_INPUTTOOLONG: { code: "417", text: "Input line was too long" },
  ERR_UNKNOWNCOMMAND: { code: "421", text: "Unknown command" },
  ERR_NONICKNAMEGIVEN: { code: "431", text: "No nickname given" },
  ERR_ERRONEUSNICKNAME: { code: "432", text: "Erroneous nickname" },
  ERR_NICKNAMEINUSE: { code: "433", text: "Nickname is already in use" },
  ERR_NOTONCHANNEL: { code: "442", text: "You're not on that channel" },
  ERR_NOTREGISTERED: { code: "451", text: "You have not registered" },
  ERR_NEEDMOREPARAMS: { code: "461", text: "Not enough parameters" },
  ERR_ALREADYREGISTERED: { code: "462", text: "You may not reregister" },
} as const satisfies Record<string, { code: string; text: string }>;

export type ChatNumericName = keyof typeof CHAT_NUMERICS;

/**
 * Standard-reply codes (IRCv3 `FAIL * CODE :text`) for lines dropped before they could be parsed;
 * plain-line users see them as `! INVALID_UTF8 ...`.
 */
export const CHAT_FAIL_CODES = {
  INVALID_UTF8: "Line was not valid UTF-8 and was dropped",
  FORBIDDEN_BYTE: "Line had a NUL or a bare CR in it and was dropped",
} as const;

export type ChatFailCode = keyof typeof CHAT_FAIL_CODES;
