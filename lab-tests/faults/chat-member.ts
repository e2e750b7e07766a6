// Runs in the workbench (sent as source text; socklab's chat client is imported from /app at run
// time): a chat member that asks the server who is in its room every `askEveryMs`, each question
// bounded by `requestTimeoutMs`. When one goes unanswered it drops the connection and reconnects
// under a new nick until it is back in the room. Bounded by `deadlineMs`. Prints one JSON line.
import { writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type * as ChatModule from "../../clients/chat/chat-client.ts";

export interface ChatMemberOptions {
  nick: string;
  room: string;
  askEveryMs: number;
  requestTimeoutMs: number;
  deadlineMs: number;
  /** Written once the member is in the room, so that the test knows when to cut it off. */
  joinedFile: string;
}

export interface ChatMemberReport {
  /** The error code of the first unanswered question; undefined if none went unanswered. */
  timedOutWith?: string;
  /** Connection attempts that failed before it was back. */
  failedAttempts: number;
  /** The nick it came back under, and whether the room listed it. */
  backAs?: string;
  backInRoom: boolean;
  /** Its local port before and after: a new connection, not the old one revived. */
  firstLocalPort?: number;
  backLocalPort?: number;
}

// A variable, so that the import is resolved in the workbench at run time, not type-checked here.
const CHAT_CLIENT = "/app/clients/chat/chat-client.ts";
const { ChatClient } = (await import(CHAT_CLIENT)) as typeof ChatModule;
const options = JSON.parse(process.argv[1] ?? "{}") as ChatMemberOptions;
const endMs = performance.now() + options.deadlineMs;
const report: ChatMemberReport = { failedAttempts: 0, backInRoom: false };
const codeOf = (error: unknown): string => (error as { code?: string }).code ?? String(error);

const connect = (nick: string) =>
  ChatClient.connect({
    host: "chat",
    port: 6667,
    nick,
    room: options.room,
    connectTimeoutMs: options.requestTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });

const first = await connect(options.nick);
report.firstLocalPort = first.localPort;
writeFileSync(options.joinedFile, String(first.localPort));
while (performance.now() < endMs && report.timedOutWith === undefined) {
  await delay(options.askEveryMs);
  try {
    await first.who(options.room);
  } catch (error) {
    report.timedOutWith = codeOf(error);
  }
}
// The old connection is given up with a reset that the partition swallows: the server must notice alone.
first.abort();

for (let attempt = 1; report.timedOutWith !== undefined && performance.now() < endMs; attempt++) {
  const nick = `${options.nick}r${attempt}`;
  try {
    const back = await connect(nick);
    report.backAs = nick;
    report.backLocalPort = back.localPort;
    report.backInRoom = (await back.who(options.room)).includes(nick);
    await back.quit();
    break;
  } catch {
    report.failedAttempts += 1;
    await delay(options.askEveryMs);
  }
}
process.stdout.write(`${JSON.stringify(report)}\n`);
