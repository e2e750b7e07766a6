import { SocklabError } from "../socklab-error.ts";

/** One IRC message (RFC 2812 section 2.3.1); the trailing parameter is simply the last of `params`. */
export interface IrcMessage {
  /** `nick!user@host` or a server name, without the leading colon. */
  readonly prefix?: string;
  /** Uppercase letters, or three digits for a numeric reply. */
  readonly command: string;
  readonly params: readonly string[];
}

// After 14 middle parameters the rest of the line is the last one, colon or not (RFC 2812).
const MAX_MIDDLE_PARAMS = 14;
const COMMAND = /^(?:[A-Za-z]+|[0-9]{3})$/;

/**
 * Parses one line, without its CRLF. Message tags (`@a=b `) are skipped; runs of spaces between
 * parameters are tolerated, as most servers do. A line with no valid command throws ERR_CHAT_SYNTAX.
 */
export function parseIrcMessage(line: string): IrcMessage {
  let rest = line;
  if (rest.startsWith("@")) rest = afterWord(rest);
  let prefix: string | undefined;
  if (rest.startsWith(":")) {
    prefix = firstWord(rest).slice(1);
    rest = afterWord(rest);
  }
  const command = firstWord(rest);
  if (!COMMAND.test(command)) {
    throw new SocklabError(
      "ERR_CHAT_SYNTAX",
      `not an IRC message: expected a command, got ${JSON.stringify(line.slice(0, 40))}`,
    );
  }
  const params = parseParams(afterWord(rest));
  return { ...(prefix === undefined ? {} : { prefix }), command: command.toUpperCase(), params };
}

function parseParams(text: string): string[] {
  const params: string[] = [];
  let rest = text.replace(/^ +/, "");
  while (rest !== "") {
    if (rest.startsWith(":") || params.length === MAX_MIDDLE_PARAMS) {
      params.push(rest.startsWith(":") ? rest.slice(1) : rest);
      break;
    }
    params.push(firstWord(rest));
    rest = afterWord(rest);
  }
  return params;
}

function firstWord(text: string): string {
  const space = text.indexOf(" ");
  return space === -1 ? text : text.slice(0, space);
}

function afterWord(text: string): string {
  const space = text.indexOf(" ");
  return space === -1 ? "" : text.slice(space + 1).replace(/^ +/, "");
}
