import type { PlainServerLine } from "./plain-server-line.ts";

type Formatters = { [K in PlainServerLine["kind"]]: (line: Extract<PlainServerLine, { kind: K }>) => string };

const FORMATTERS: Formatters = {
  message: (line) => `${line.from}: ${line.text}`,
  private: (line) => `[private] ${line.from}: ${line.text}`,
  join: (line) => `* ${line.nick} joined ${line.room}`,
  part: (line) => `* ${line.nick} left ${line.room}${line.reason === undefined ? "" : ` (${line.reason})`}`,
  nick: (line) => `* ${line.nick} is now known as ${line.newNick}`,
  quit: (line) => `* ${line.nick} quit (${line.reason})`,
  members: (line) => `- members of ${line.room} (${line.total}): ${line.nicks.join(" ")}`,
  info: (line) => `- ${line.text}`,
  question: (line) => `? ${line.topic}: ${line.text}`,
  error: (line) => `! ${line.code} ${line.text}`,
};

/** The text of one plain-protocol line, without its CRLF. */
export function formatPlainServerLine(line: PlainServerLine): string {
  const format = FORMATTERS[line.kind] as (line: PlainServerLine) => string;
  return format(line);
}
