/**
 * The sizes every chat component agrees on. IRC's 512-byte line is the root; the others are chosen
 * so that any relayed message, with the longest prefix the server can give it, still fits in one.
 */
export const CHAT_LIMITS = {
  /** A whole line on the wire, its CRLF included (RFC 2812 section 2.3). */
  maxLineBytes: 512,
  /** Letters in a nick, advertised as NICKLEN. */
  maxNickLength: 16,
  /** Characters in a room name, `#` included, advertised as CHANNELLEN. */
  maxRoomLength: 32,
  /** Characters of an IRC USER name kept in the `nick!~user@host` prefix, advertised as USERLEN. */
  maxUserLength: 10,
  /** Characters of a peer address kept in the prefix; an IPv6 address with a zone fits. */
  maxHostLength: 63,
  /**
   * UTF-8 bytes in one message's text. The worst relay, `:<nick16>!~<user10>@<host63> PRIVMSG
   * <room32> :`, takes 136 bytes, and 136 + 360 + CRLF stays under 512.
   */
  maxTextBytes: 360,
  /** UTF-8 bytes kept of a QUIT or PART reason; longer ones are cut at a character boundary. */
  maxReasonBytes: 200,
  /** Targets in one JOIN, PART, PRIVMSG or NOTICE, advertised as TARGMAX. */
  maxTargets: 4,
} as const;

/** Where plain-line users land after choosing a nick. */
export const DEFAULT_ROOM = "#lab";
