import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startChatTestBed } from "./test-support/chat-test-bed.ts";
import { waitUntil } from "../test-support/wait-until.ts";

describe("chat server, plain lines", () => {
  it("greets with a NOTICE an IRC client can read too, then puts a chosen nick in #lab", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.connect();
    await alice.waitForLine(/^:socklab NOTICE \* :\*\*\* socklab chat: type a nick/);
    alice.send("alice");
    await alice.waitForLine(
      "- welcome, alice: every line you type goes to your room; /help lists the commands",
    );
    await alice.waitForLine("* alice joined #lab");
    await alice.waitForLine("- members of #lab (1): alice");
  });

  it("lets two plain-line users chat: each line reaches the others, not its sender", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    await alice.waitForLine("* bob joined #lab");
    await bob.waitForLine("- members of #lab (2): alice bob");
    bob.send("hi alice");
    await alice.waitForLine("bob: hi alice");
    alice.send("hello bob", "/who");
    await bob.waitForLine("alice: hello bob");
    await alice.waitForLine("- members of #lab (2): alice bob", {
      since: alice.lines.indexOf("bob: hi alice"),
    });
    expect(bob.lines).not.toContain("bob: hi alice");
  });

  it("asks again when a nick is invalid or taken", async () => {
    await using bed = await startChatTestBed();
    await bed.plain("alice");
    const other = await bed.connect();
    other.send("bad nick!");
    await other.waitForLine(
      "! ERR_ERRONEUSNICKNAME bad nick!: a nick has only letters, digits and - [ ] \\ ` _ ^ { | }",
    );
    await other.waitForLine(/^\? nick: type a nick/);
    other.send("ALICE");
    await other.waitForLine("! ERR_NICKNAMEINUSE ALICE: Nickname is already in use");
    other.send("/who");
    await other.waitForLine("! ERR_NOTREGISTERED choose a nick first");
    other.send("/nick carol");
    await other.waitForLine("* carol joined #lab");
  });

  it("renames with /nick and tells the room; a taken nick is refused", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("/nick alice");
    await bob.waitForLine("! ERR_NICKNAMEINUSE alice: Nickname is already in use");
    bob.send("/nick robert");
    await bob.waitForLine("* bob is now known as robert");
    await alice.waitForLine("* bob is now known as robert");
    bob.send("still me");
    await alice.waitForLine("robert: still me");
  });

  it("moves a user between rooms with /join, announcing the part and the join", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("/join side");
    await alice.waitForLine("* bob left #lab");
    await bob.waitForLine("* bob joined #side");
    await bob.waitForLine("- members of #side (1): bob");
    bob.send("in side");
    alice.send("/join #side");
    await bob.waitForLine("* alice joined #side");
    alice.send("/join side");
    await alice.waitForLine("- you are already in #side");
    bob.send("both here");
    await alice.waitForLine("bob: both here");
    expect(alice.lines).not.toContain("bob: in side");
    bob.send("/join #bad room");
    await bob.waitForLine(
      "! ERR_NOSUCHCHANNEL #bad room: a room name has only letters, digits and _ . + - after #",
    );
  });

  it("leaves the room with /part; text then gets ERR_NOTONCHANNEL until the next /join", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("/part");
    await alice.waitForLine("* bob left #lab");
    await bob.waitForLine("- you are in no room now: /join ROOM to talk again");
    bob.send("anyone?", "/part");
    await bob.waitForLine("! ERR_NOTONCHANNEL you are in no room: /join one to talk");
    await bob.waitForLine("! ERR_NOTONCHANNEL you are not in that room");
    bob.send("/join lab", "back");
    await alice.waitForLine("bob: back");
    expect(alice.lines).not.toContain("bob: anyone?");
  });

  it("lists members with /who, of the current room or another, and names an empty one", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("/join side");
    await bob.waitForLine("* bob joined #side");
    alice.send("/who", "/who side", "/who #nobody");
    await alice.waitForLine("- members of #lab (1): alice");
    await alice.waitForLine("- members of #side (1): bob");
    await alice.waitForLine("! ERR_NOSUCHCHANNEL #nobody: nobody is in that room");
  });

  it("delivers /msg to one user only, and refuses an unknown nick", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const carol = await bed.plain("carol");
    alice.send("/msg bob just for you", "/msg nobody hello", "public");
    await bob.waitForLine("[private] alice: just for you");
    await alice.waitForLine("! ERR_NOSUCHNICK nobody: No such nick");
    await carol.waitForLine("alice: public");
    expect(carol.lines.some((line) => line.includes("just for you"))).toBe(false);
  });

  it("closes on /quit with a last line, and tells the room why", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("/quit see you");
    await bob.waitForLine("! ERROR Closing link: Quit: see you");
    await bob.waitForClose();
    await alice.waitForLine("* bob quit (Quit: see you)");
    await waitUntil(() => bed.server.memberCount() === 1, "bob to be gone");
  });

  it("lists every command with /help", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    alice.send("/help");
    for (const usage of [
      "/nick NAME",
      "/join ROOM",
      "/part",
      "/who [ROOM]",
      "/msg NICK TEXT",
      "/quit [REASON]",
      "/help",
    ]) {
      await alice.waitForLine((line) => line.startsWith(`- ${usage}: `));
    }
  });

  it("answers an unknown command and a missing argument with codes, and sends //text as /text", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    alice.send("/frob", "/msg bob", "//etc/hosts is a file");
    await alice.waitForLine("! ERR_UNKNOWNCOMMAND /frob: Unknown command; /help lists the commands");
    await alice.waitForLine("! ERR_NEEDMOREPARAMS /msg: usage: /msg NICK TEXT");
    await bob.waitForLine("alice: /etc/hosts is a file");
  });

  it("logs one open and one close line per connection, with the peer and the reason", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const port = alice.socket.localPort;
    alice.send("/quit");
    await alice.waitForClose();
    await waitUntil(() => bed.logs.some((entry) => entry["event"] === "close"), "a close log line");
    const mine = bed.logs.filter((entry) => entry["peer"] === `127.0.0.1:${port}`);
    expect(mine.map((entry) => entry["event"])).toEqual(["open", "close"]);
    expect(mine[1]).toMatchObject({ nick: "alice", mode: "plain", reason: "Quit", linesIn: 2 });
  });

  it("handles the lines before a FIN, then closes its own side: no CLOSE_WAIT is left", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.connect();
    // As `printf 'bob\nbye, no newline' | nc -N` would: the last line has no end, then FIN.
    bob.socket.end("bob\nbye, no newline");
    await alice.waitForLine("bob: bye, no newline");
    await alice.waitForLine("* bob quit (Connection closed)");
    await bob.waitForClose();
    await waitUntil(() => bed.server.connectionCount() === 1, "the server to drop bob");
    await waitUntil(() => !closeWaitSockets(bed.port).length, `no CLOSE_WAIT on :${bed.port}`);
  });

  it("says goodbye to everyone on close(graceMs) and stops listening", async () => {
    const bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const irc = await bed.irc("carol");
    await bed.server.close(1_000);
    await alice.waitForLine("! ERROR Closing link: Server shutting down");
    await irc.waitForLine("ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
    await alice.waitForClose();
    await expect(bed.connect()).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("refuses a connection over the limit with an ERROR line saying why", async () => {
    await using bed = await startChatTestBed({ maxConnections: 2 });
    await bed.plain("alice");
    await bed.plain("bob");
    const third = await bed.connect();
    await third.waitForLine("ERROR :Closing Link: 127.0.0.1 (Server full: 2 connections)");
    await third.waitForClose();
    expect(bed.logs).toContainEqual(
      expect.objectContaining({ event: "refused", reason: "Server full: 2 connections" }),
    );
  });
});

/** Server-side sockets on `port` in CLOSE_WAIT (state 08), read from the kernel's table. */
function closeWaitSockets(port: number): string[] {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return ["/proc/net/tcp", "/proc/net/tcp6"]
    .flatMap((file) => readFileSync(file, "utf8").split("\n").slice(1))
    .filter((row) => {
      const [, local = "", , state = ""] = row.trim().split(/\s+/);
      return local.endsWith(portHex) && state === "08";
    });
}
