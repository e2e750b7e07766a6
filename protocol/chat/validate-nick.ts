import { CHAT_LIMITS } from "./chat-limits.ts";

// RFC 2812 section 2.3.1: a letter or special first, then letters, digits, specials and "-".
const FIRST_CHAR = /^[A-Za-z[\]\\`_^{|}]/;
const NICK_CHARS = /^[A-Za-z0-9[\]\\`_^{|}-]*$/;

/** Why `nick` cannot be a nick, or `undefined` when it can. */
export function validateNick(nick: string): string | undefined {
  if (nick === "") return "a nick cannot be empty";
  if (nick.length > CHAT_LIMITS.maxNickLength) {
    return `a nick has at most ${CHAT_LIMITS.maxNickLength} characters, got ${nick.length}`;
  }
  if (!NICK_CHARS.test(nick)) return "a nick has only letters, digits and - [ ] \\ ` _ ^ { | }";
  if (!FIRST_CHAR.test(nick)) return "a nick starts with a letter or one of [ ] \\ ` _ ^ { | }";
  return undefined;
}
