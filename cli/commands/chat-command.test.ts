// `socklab chat` runs as the real CLI (a child process, as in the workbench), at a pseudo-terminal
// or with piped input, against the real chat service on 127.0.0.1; a second client watches the room.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, type ChatEvent } from "../../clients/chat/chat-client.ts";
import {
  spawnChatService,
  type SpawnedChatService,
} from "../../clients/chat/test-support/spawn-chat-service.ts";
import { waitUntil } from "../../services/file-transfer/testing/wait-until.ts";
import { EXIT } from "../exit-codes.ts";
import { socklab, startSocklab, startSocklabInTerminal } from "../test-support/start-socklab.ts";

const CTRL_C = "\x03";
const CTRL_D = "\x04";
const ENTER = "\r";

let service: SpawnedChatService;
let watcher: ChatClient;
let nickCount = 0;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  service = await spawnChatService();
  watcher = await ChatClient.connect({ host: service.host, port: service.port, nick: "watcher" });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  watcher.abort();
  await service.stop();
});

// Nicks unique per test: the service keeps one per connection, and a test may end before its quit.
function uniqueNick(): string {
  nickCount += 1;
  return `learner${nickCount}`;
}

const chatArgs = (nick: string, ...more: string[]) => [
  "chat",
  "--host",
  service.host,
  "--port",
  String(service.port),
  "--nick",
  nick,
  ...more,
];

const joined = (nick: string) => (e: ChatEvent) => e.kind === "join" && e.nick === nick;
// A /quit reaches the room as "Quit: ..."; a connection closed without one as "Connection closed".
const saidQuit = (nick: string) => (e: ChatEvent) =>
  e.kind === "quit" && e.nick === nick && e.reason.startsWith("Quit");

// The text shown after the last time `marker` was shown.
function after(screen: string, marker: string): string {
  const at = screen.lastIndexOf(marker);
  return at === -1 ? "" : screen.slice(at + marker.length);
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/ERR_USE_AFTER_CLOSE|^\s+at /m);
}

describe("socklab chat at a terminal", () => {
  it("shows the greeting and the room's members on joining", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklabInTerminal(chatArgs(nick), cleanups);
    await watcher.waitFor(joined(nick), { since });
    await waitUntil("the members of #lab", () =>
      /- members of #lab \(\d+\): .*\bwatcher\b/.test(chat.screen) ? true : undefined,
    );
    expect(chat.screen).toContain(`- welcome, ${nick}`);
    expect(chat.screen).toMatch(new RegExp(`- members of #lab \\(\\d+\\): .*\\b${nick}\\b`));
  });

  it("ends with exit 130 on Ctrl-C, after saying QUIT to the server", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklabInTerminal(chatArgs(nick), cleanups);
    await watcher.waitFor(joined(nick), { since });
    await waitUntil("the prompt", () => (chat.screen.includes(`#lab ${nick}> `) ? true : undefined));
    chat.type(CTRL_C);
    expect(await chat.exited).toBe(EXIT.interrupted);
    await watcher.waitFor(saidQuit(nick), { since });
    expectNoStackTrace(chat.screen);
  });

  it("ends with exit 0 on Ctrl-D, after saying QUIT to the server", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklabInTerminal(chatArgs(nick), cleanups);
    await watcher.waitFor(joined(nick), { since });
    await waitUntil("the prompt", () => (chat.screen.includes(`#lab ${nick}> `) ? true : undefined));
    chat.type(CTRL_D);
    expect(await chat.exited).toBe(EXIT.ok);
    await watcher.waitFor(saidQuit(nick), { since });
    expectNoStackTrace(chat.screen);
  });

  it("shows the new nick in the prompt after /nick", async () => {
    const nick = uniqueNick();
    const renamed = `${nick}x`;
    const since = watcher.eventCount;
    const chat = startSocklabInTerminal(chatArgs(nick), cleanups);
    await watcher.waitFor(joined(nick), { since });
    chat.type(`/nick ${renamed}${ENTER}`);
    const announced = `* ${nick} is now known as ${renamed}\n`;
    await waitUntil("the prompt after the new nick", () =>
      after(chat.screen, announced).includes("> ") ? true : undefined,
    );
    expect(after(chat.screen, announced)).toContain(`#lab ${renamed}> `);
    chat.type(CTRL_D);
    expect(await chat.exited).toBe(EXIT.ok);
  });

  it("shows the new room in the prompt after /join, with its members", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklabInTerminal(chatArgs(nick), cleanups);
    await watcher.waitFor(joined(nick), { since });
    chat.type(`/join #elsewhere${ENTER}`);
    const members = `- members of #elsewhere (1): ${nick}\n`;
    await waitUntil("the prompt after the members of the new room", () =>
      after(chat.screen, members).includes("> ") ? true : undefined,
    );
    expect(after(chat.screen, members)).toContain(`#elsewhere ${nick}> `);
    chat.type(CTRL_D);
    expect(await chat.exited).toBe(EXIT.ok);
  });
});

describe("socklab chat with piped input", () => {
  it("sends each line and exits 0 at the end of its input, after saying QUIT", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklab(chatArgs(nick), cleanups, { stdin: "pipe" });
    await watcher.waitFor(joined(nick), { since });
    chat.write("hello from a pipe\n");
    chat.end();
    expect(await chat.exited).toBe(EXIT.ok);
    await watcher.waitFor((e) => e.kind === "message" && e.from === nick && e.text === "hello from a pipe", {
      since,
    });
    await watcher.waitFor(saidQuit(nick), { since });
    expectNoStackTrace(chat.stderr);
  });

  it("exits 130 on SIGINT, after saying QUIT", async () => {
    const nick = uniqueNick();
    const since = watcher.eventCount;
    const chat = startSocklab(chatArgs(nick), cleanups, { stdin: "pipe" });
    // Until it has joined, a SIGINT ends it as any process (130, no QUIT); it shows the room once it has.
    await waitUntil("the members of #lab", () =>
      chat.stdout.includes("- members of #lab") ? true : undefined,
    );
    chat.signal("SIGINT");
    expect(await chat.exited).toBe(EXIT.interrupted);
    await watcher.waitFor(saidQuit(nick), { since });
    expectNoStackTrace(chat.stderr);
  });

  it.each([
    ["two words", "two words", /a nick has only letters, digits and/],
    ["a leading digit", "9lives", /a nick starts with a letter/],
    ["too many characters", "a".repeat(17), /a nick has at most 16 characters, got 17/],
  ])("exits 2 on a nick with %s, naming the rule, before connecting", async (_label, nick, rule) => {
    const run = await socklab(chatArgs(nick), cleanups);
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/--nick/);
    expect(run.stderr).toMatch(rule);
    expectNoStackTrace(run.stderr);
  });

  it("exits 2 on a room name the service would refuse, naming the rule", async () => {
    const run = await socklab(chatArgs(uniqueNick(), "--room", "#two words"), cleanups);
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/--room/);
    expect(run.stderr).toMatch(/a room name has only letters, digits and/);
  });

  it("exits 3 when nothing listens at the service's address, in one line", async () => {
    const closed = await spawnChatService();
    const port = closed.port;
    await closed.stop();
    const run = await socklab(["chat", "--host", "127.0.0.1", "--port", String(port)], cleanups);
    expect(run.exitCode).toBe(EXIT.network);
    expect(run.stderr).toMatch(/^socklab chat: ECONNREFUSED: [^\n]*\n$/);
  });

  it("exits 6 when the service refuses a nick that is taken", async () => {
    const run = await socklab(chatArgs("watcher"), cleanups);
    expect(run.exitCode).toBe(EXIT.refused);
    expect(run.stderr).toMatch(/ERR_NICKNAMEINUSE/);
    expectNoStackTrace(run.stderr);
  });
});
