import readline from "node:readline";
import { styleText } from "node:util";
import { Command, Option } from "commander";
import { ChatClient, type ChatEvent } from "../../clients/chat/chat-client.ts";
import { formatPlainServerLine } from "../../protocol/chat/format-plain-server-line.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";
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
    .option(
      "--nick <nick>",
      "your nickname",
      process.env["USER"] && process.env["USER"] !== "root" ? process.env["USER"] : "learner",
    )
    .option("--room <room>", "the room to join", "#lab")
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
Exit codes: 0 you quit, 3 the connection failed or the server closed it, 5 the lab is not running,
  6 the server refused the nick.`,
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
  const input = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY,
  });
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  input.setPrompt(`${client.room ?? options.room} ${client.nick}> `);
  client.on("event", (event) => show(input, event, interactive));
  let quitting = false;
  const closed = new Promise<number>((resolve) =>
    client.on("close", (reason) => {
      if (!quitting) process.stderr.write(`socklab chat: the server closed the connection: ${reason}\n`);
      input.close();
      resolve(quitting ? EXIT.ok : EXIT.network);
    }),
  );
  input.on("line", (line) => {
    if (/^\/quit\b/i.test(line.trim())) quitting = true;
    if (line.trim() !== "") client.sendLine(line);
    if (interactive) input.prompt();
  });
  input.on("close", () => {
    if (quitting || client.closed) return;
    quitting = true;
    void client.quit();
  });
  if (interactive) input.prompt();
  return closed;
}

function describeEvent(event: ChatEvent): string {
  if (event.kind === "irc") return serializeIrcMessage(event.message);
  if (event.kind === "unknown") return event.line;
  return formatPlainServerLine(event);
}

// Clear the line being typed, print the incoming one, then redraw the prompt with what was typed.
function show(input: readline.Interface, event: ChatEvent, interactive: boolean): void {
  const style = STYLE_BY_KIND[event.kind];
  const text = describeEvent(event);
  if (!interactive) {
    process.stdout.write(`${text}\n`);
    return;
  }
  readline.clearLine(process.stdout, 0);
  readline.cursorTo(process.stdout, 0);
  process.stdout.write(`${style ? styleText(style, text) : text}\n`);
  input.prompt(true);
}
