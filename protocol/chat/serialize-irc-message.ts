import { CHAT_LIMITS } from "./chat-limits.ts";
import type { IrcMessage } from "./parse-irc-message.ts";
import { SocklabError } from "../socklab-error.ts";
import { utf8ByteLength } from "./utf8-byte-length.ts";

// Bytes that would end the line early or split it for the receiver.
const LINE_BREAKERS = /[\0\r\n]/;
const COMMAND = /^(?:[A-Z]+|[0-9]{3})$/;
const MAX_PARAMS = 15;

/**
 * One IRC line with its CRLF. The last parameter always carries the colon, as servers send it
 * (`PRIVMSG #lab :hi`, `JOIN :#lab`). Throws ERR_CHAT_BAD_MESSAGE for anything that would not parse
 * back to the same message, and ERR_CHAT_LINE_TOO_LONG past 512 bytes: callers size their text.
 */
export function serializeIrcMessage(message: IrcMessage): string {
  if (!COMMAND.test(message.command)) reject(message, `command ${JSON.stringify(message.command)}`);
  const words: string[] = [];
  if (message.prefix !== undefined) {
    if (message.prefix === "" || /[\0\r\n ]/.test(message.prefix)) reject(message, "prefix");
    words.push(`:${message.prefix}`);
  }
  words.push(message.command);
  if (message.params.length > MAX_PARAMS) reject(message, `parameter count ${message.params.length}`);
  message.params.forEach((param, index) => {
    const last = index === message.params.length - 1;
    if (LINE_BREAKERS.test(param)) reject(message, `parameter ${index + 1} has NUL, CR or LF`);
    if (!last && (param === "" || param.includes(" ") || param.startsWith(":"))) {
      reject(message, `middle parameter ${index + 1} is empty, has a space or starts with ':'`);
    }
    words.push(last ? `:${param}` : param);
  });
  const line = `${words.join(" ")}\r\n`;
  const bytes = utf8ByteLength(line);
  if (bytes > CHAT_LIMITS.maxLineBytes) {
    throw new SocklabError(
      "ERR_CHAT_LINE_TOO_LONG",
      `IRC ${message.command} line is ${bytes} bytes, over the ${CHAT_LIMITS.maxLineBytes} allowed`,
    );
  }
  return line;
}

function reject(message: IrcMessage, what: string): never {
  throw new SocklabError("ERR_CHAT_BAD_MESSAGE", `cannot serialize IRC ${message.command}: bad ${what}`);
}
