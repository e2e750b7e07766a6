import { randomBytes } from "node:crypto";
import { ChatClient, type ChatEvent } from "../../clients/chat/chat-client.ts";
import { foldCase } from "../../protocol/chat/fold-case.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions, CheckProgress } from "./check-options.ts";

const CHAT_PORT = 6667;
const ROOM = "#lab";

/**
 * Exercise 6: a judge joins #lab and waits for a line from the learner's client (`--nick`), answers
 * it with two lines in one write (the client must split them), then waits for the client to leave
 * with /quit at end of input: a client that just closes the socket leaves as "Connection closed".
 */
export async function checkChatClient(options: CheckOptions, progress: CheckProgress): Promise<CheckPass> {
  const nick = options.nick;
  if (!nick) throw new SocklabError("ERR_USAGE", "check 6 needs --nick NICK, the nick your client uses");
  const judgeNick = `judge${randomBytes(2).toString("hex")}`;
  await using judge = await ChatClient.connect({
    host: options.host ?? "chat",
    port: options.port ?? CHAT_PORT,
    nick: judgeNick,
    room: ROOM,
  });
  const since = judge.eventCount;
  progress(
    `${judgeNick} is in ${ROOM}: in your client (python3 my_chat.py ${nick}) type a line, then read the answer and press Ctrl-D`,
  );
  const said = await waitForEvent(
    judge,
    (e) => e.kind === "message" && sameNick(e.from, nick),
    { since, timeoutMs: options.timeoutMs },
    `no line from ${nick} in ${ROOM} within ${options.timeoutMs} ms`,
    "your client: the nick as its first line, then each typed line sent with sendall() and ending in \\n",
  );
  const text = said.kind === "message" ? said.text : "";
  // Two lines in one write: the client must print each whole, however recv() cuts them.
  judge.sendRaw(`${nick}: I read "${text}"\n${nick}: now press Ctrl-D to leave with /quit\n`);
  const left = await waitForEvent(
    judge,
    (e) => e.kind === "quit" && sameNick(e.nick, nick),
    { since, timeoutMs: options.timeoutMs },
    `${nick} did not leave within ${options.timeoutMs} ms of the judge's answer`,
    "your client: at end of input (Ctrl-D, an empty read from stdin) send /quit, then read until the server closes",
  );
  const reason = left.kind === "quit" ? left.reason : "";
  if (!reason.startsWith("Quit"))
    throw new CheckFailure(
      `${nick} left as "${reason}", not with /quit`,
      "your client: at end of input send /quit and wait for the server to close; closing the socket first is not leaving cleanly",
    );
  return {
    facts: [
      `${nick} said "${text}" in ${ROOM}`,
      `${nick} left with /quit (the server closed first: TIME_WAIT is on its side)`,
    ],
  };
}

const sameNick = (a: string, b: string): boolean => foldCase(a) === foldCase(b);

async function waitForEvent(
  judge: ChatClient,
  predicate: (event: ChatEvent) => boolean,
  wait: { since: number; timeoutMs: number },
  missing: string,
  hint: string,
): Promise<ChatEvent> {
  try {
    return await judge.waitFor(predicate, wait);
  } catch (error) {
    if (error instanceof SocklabError && error.code === "ERR_CHAT_TIMEOUT")
      throw new CheckFailure(missing, hint, { cause: error });
    throw error;
  }
}
