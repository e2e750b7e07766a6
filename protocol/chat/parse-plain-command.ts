/** What one line from a plain-line user asks for. */
export type PlainCommand =
  | { readonly kind: "say"; readonly text: string }
  | { readonly kind: "nick"; readonly nick: string }
  | { readonly kind: "join"; readonly room: string }
  | { readonly kind: "part"; readonly room: string | undefined }
  | { readonly kind: "who"; readonly room: string | undefined }
  | { readonly kind: "msg"; readonly nick: string; readonly text: string }
  | { readonly kind: "quit"; readonly reason: string | undefined }
  | { readonly kind: "help" }
  | { readonly kind: "missing-argument"; readonly command: string; readonly usage: string }
  | { readonly kind: "unknown"; readonly command: string };

interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  /** The command from its argument text (trimmed, maybe empty); `undefined` when one is missing. */
  readonly parse: (args: string) => PlainCommand | undefined;
}

const optional = (args: string): string | undefined => (args === "" ? undefined : args);

/** The slash commands, in the order /help lists them. */
export const PLAIN_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  nick: {
    usage: "/nick NAME",
    summary: "change your nick",
    parse: (args) => (args === "" ? undefined : { kind: "nick", nick: args }),
  },
  join: {
    usage: "/join ROOM",
    summary: "leave your room and join ROOM (the # is optional)",
    parse: (args) => (args === "" ? undefined : { kind: "join", room: toRoomName(args) }),
  },
  part: {
    usage: "/part",
    summary: "leave your room",
    parse: (args) => ({ kind: "part", room: args === "" ? undefined : toRoomName(args) }),
  },
  who: {
    usage: "/who [ROOM]",
    summary: "list the members of your room, or of ROOM",
    parse: (args) => ({ kind: "who", room: args === "" ? undefined : toRoomName(args) }),
  },
  msg: {
    usage: "/msg NICK TEXT",
    summary: "send TEXT to NICK alone",
    parse: (args) => {
      const [nick, text] = splitFirstWord(args);
      return nick === "" || text === "" ? undefined : { kind: "msg", nick, text };
    },
  },
  quit: {
    usage: "/quit [REASON]",
    summary: "leave the chat",
    parse: (args) => ({ kind: "quit", reason: optional(args) }),
  },
  help: { usage: "/help", summary: "show this list", parse: () => ({ kind: "help" }) },
};

/**
 * A line that starts with `/` is a command (`//text` says `/text`); any other line is text for
 * the current room. Command names are case-insensitive; the text of a message is kept as typed.
 */
export function parsePlainCommand(line: string): PlainCommand {
  if (!line.startsWith("/")) return { kind: "say", text: line };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };
  const [word, args] = splitFirstWord(line.slice(1));
  const name = word.toLowerCase();
  const spec = Object.hasOwn(PLAIN_COMMANDS, name) ? PLAIN_COMMANDS[name] : undefined;
  if (spec === undefined) return { kind: "unknown", command: `/${word}` };
  return spec.parse(args.trim()) ?? { kind: "missing-argument", command: `/${name}`, usage: spec.usage };
}

/** `lab` and `#lab` both name the room `#lab`. */
function toRoomName(text: string): string {
  return text.startsWith("#") ? text : `#${text}`;
}

function splitFirstWord(text: string): [string, string] {
  const trimmed = text.replace(/^\s+/, "");
  const match = /^(\S*)\s*(.*)$/s.exec(trimmed);
  return [match?.[1] ?? "", match?.[2] ?? ""];
}
