import readline from "node:readline";
import { styleText } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import { ChatClient, type ChatEvent } from "../../clients/chat/chat-client.ts";
import { formatPlainServerLine } from "../../protocol/chat/format-plain-server-line.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";
import { validateNick } from "../../protocol/chat/validate-nick.ts";
import { validateRoom } from "../../protocol/chat/validate-room.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { EXIT, exitCodeFor } from "../exit-codes.ts";
import { insideWorkbench, runInWorkbench } from "../lab/run-in-workbench.ts";
import { positiveInt } from "../parse-int-option.ts";

interface ChatOptions {
  nick: string;
  room: string;
  host: string;
  port: number;
}

// Colours only on a terminal (styleText checks the stream), by kind of line.
const STYLE_BY_KIND: Partial<Record<ChatEvent["kind"], Parameters<typeof styleText>[0]>> = {
  private: "magenta",
  join: "green",
  part: "yellow",
  quit: "yellow",
  nick: "cyan",
  error: "red",
  info: "dim",
  members: "dim",
};

/** `socklab chat`: a terminal chat client whose incoming lines never garble the line being typed. */
export function registerChatCommand(program: Command): void {
  program
    .command("chat")
    .description("chat in a room of the chat service (nc users and IRC clients see you there too)")
    .addOption(
      new Option("--nick <nick>", "your nickname (up to 16 letters, digits or - [ ] \\ ` _ ^ { | })")
        .default(defaultNick())
        .argParser(nickOption),
    )
    .addOption(new Option("--room <room>", "the room to join").default("#lab").argParser(roomOption))
    .option("--host <host>", "the chat service", "chat")
    .addOption(new Option("--port <port>", "its port").default(6667).argParser(positiveInt))
    .addHelpText(
      "after",
      `
Type a line to say it in the room; /help lists the commands (/nick, /join, /part, /who, /msg, /quit).
With stdin not a terminal, each input line is sent and the session ends (with /quit) at its end.
Examples:
  socklab chat --nick alice
  printf 'hello\\n' | socklab chat --nick bot --room '#test'
Ctrl-D (or /quit) leaves, Ctrl-C too; both say QUIT to the server first.
Exit codes: 0 you quit, 2 bad arguments (a nick or room name the service would refuse), 3 the
  connection failed or the server closed it, 5 the lab is not running, 6 the server refused the nick
  (taken), 130 Ctrl-C.`,
    )
    .action(async (options: ChatOptions) => {
      process.exitCode = insideWorkbench()
        ? await chat(options)
        : await runInWorkbench(process.argv.slice(2));
    });
}

async function chat(options: ChatOptions): Promise<number> {
  let client: ChatClient;
  try {
    client = await ChatClient.connect({
      host: options.host,
      port: options.port,
      nick: options.nick,
      room: options.room,
    });
  } catch (error) {
    const code = error instanceof SocklabError ? error.code : "ERR_CHAT_CONNECT";
    process.stderr.write(`socklab chat: ${code}: ${(error as Error).message}\n`);
    return exitCodeFor(code);
  }
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  const input = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY,
  });
  let inputOpen = true;
  // The exit code once this end decided to leave (Ctrl-C, Ctrl-D, /quit); undefined while it has not.
  let leaving: number | undefined;
  const screen = { input, interactive, isOpen: () => inputOpen, isLeaving: () => leaving !== undefined };
  const refreshPrompt = (): void => input.setPrompt(`${client.room ?? "(no room)"} ${client.nick}> `);
  refreshPrompt();
  const leave = (exitCode: number): void => {
    if (leaving !== undefined) return;
    leaving = exitCode;
    // Saying QUIT lets the room hear "quit (Quit)" rather than a dropped connection.
    client.quit().catch(() => client.abort());
  };
  const closed = new Promise<number>((resolve) =>
    client.on("close", (reason) => {
      if (leaving === undefined)
        process.stderr.write(`socklab chat: the server closed the connection: ${reason}\n`);
      process.off("SIGINT", interrupt);
      inputOpen = false;
      input.close();
      resolve(leaving ?? EXIT.network);
    }),
  );
  // Ctrl-C at a terminal reaches readline as a key, elsewhere as the signal: both leave with 130.
  const interrupt = (): void => {
    if (interactive) process.stdout.write("\n");
    leave(EXIT.interrupted);
  };
  input.on("SIGINT", interrupt);
  process.on("SIGINT", interrupt);
  input.on("line", (line) => {
    if (leaving !== undefined) return;
    if (/^\/quit\b/i.test(line.trim())) leaving = EXIT.ok;
    try {
      if (line.trim() !== "") client.sendLine(line);
    } catch (error) {
      process.stderr.write(`socklab chat: ${(error as Error).message}\n`);
    }
    if (interactive && leaving === undefined) input.prompt();
  });
  // Ctrl-D at a terminal, or the end of piped input.
  input.on("close", () => {
    inputOpen = false;
    if (client.closed) return;
    if (interactive) process.stdout.write("\n");
    leave(EXIT.ok);
  });
  // What came while joining: the greeting and the room's members (an IRC client's notice aside).
  for (const event of client.history) if (event.kind !== "irc") show(screen, event);
  client.on("event", (event) => {
    refreshPrompt();
    show(screen, event);
  });
  if (interactive) input.prompt();
  return closed;
}

// $USER when the service would take it as a nick ("john.doe" it would not), else "learner".
function defaultNick(): string {
  const user = process.env["USER"];
  return user && user !== "root" && validateNick(user) === undefined ? user : "learner";
}

// The service's own rules, checked before connecting: a nick it would refuse is a usage error (exit 2).
function nickOption(text: string): string {
  const problem = validateNick(text);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return text;
}

// "lab" means "#lab", as /join takes it.
function roomOption(text: string): string {
  const room = text.startsWith("#") ? text : `#${text}`;
  const problem = validateRoom(room);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return room;
}

function describeEvent(event: ChatEvent): string {
  if (event.kind === "irc") return serializeIrcMessage(event.message);
  if (event.kind === "unknown") return event.line;
  return formatPlainServerLine(event);
}

interface Screen {
  input: readline.Interface;
  interactive: boolean;
  isOpen(): boolean;
  isLeaving(): boolean;
}

// Clear the line being typed, print the incoming one, then redraw the prompt with what was typed.
function show(screen: Screen, event: ChatEvent): void {
  // The server's farewell to a client that is leaving is no error.
  const style = event.kind === "error" && screen.isLeaving() ? "dim" : STYLE_BY_KIND[event.kind];
  const text = describeEvent(event);
  if (!screen.interactive || !screen.isOpen()) {
    process.stdout.write(`${screen.interactive && style ? styleText(style, text) : text}\n`);
    return;
  }
  readline.clearLine(process.stdout, 0);
  readline.cursorTo(process.stdout, 0);
  process.stdout.write(`${style ? styleText(style, text) : text}\n`);
  if (!screen.isLeaving()) screen.input.prompt(true);
}
