import { describe, expect, it } from "vitest";
import { startChatTestBed } from "./test-support/chat-test-bed.ts";
import { RecordingIrcClient } from "./test-support/irc-framework-client.ts";
import { waitUntil } from "../test-support/wait-until.ts";

describe("chat server, IRC", () => {
  it("lets an irc-framework client register, join #lab and talk with a plain-line user", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const irc = await RecordingIrcClient.connect(bed.port, "carol");
    irc.client.join("#lab");
    await irc.waitFor(
      (name, event) => name === "join" && event["nick"] === "carol" && event["channel"] === "#lab",
    );
    await alice.waitForLine("* carol joined #lab");

    irc.client.say("#lab", "hello from IRC");
    await alice.waitForLine("carol: hello from IRC");
    alice.send("hello from nc");
    const message = await irc.waitFor(
      (name, event) => name === "privmsg" && event["message"] === "hello from nc",
    );
    expect(message).toMatchObject({ nick: "alice", ident: "plain", hostname: "127.0.0.1", target: "#lab" });

    alice.send("/msg carol psst");
    await irc.waitFor(
      (name, event) => name === "privmsg" && event["target"] === "carol" && event["message"] === "psst",
    );
    irc.client.say("alice", "psst back");
    await alice.waitForLine("[private] carol: psst back");

    alice.send("/nick alicia");
    await irc.waitFor(
      (name, event) => name === "nick" && event["nick"] === "alice" && event["new_nick"] === "alicia",
    );
    irc.client.changeNick("caroline");
    await alice.waitForLine("* carol is now known as caroline");

    alice.send("/quit gone");
    await irc.waitFor(
      (name, event) => name === "quit" && event["nick"] === "alicia" && event["message"] === "Quit: gone",
    );
    await irc.quit("bye");
    await waitUntil(() => bed.server.connectionCount() === 0, "the server to drop carol");
  });

  it("registers with 001-004, 005 and the MOTD, holding registration while CAP is negotiated", async () => {
    await using bed = await startChatTestBed();
    const irc = await bed.connect();
    irc.send("CAP LS 302", "NICK dave", "USER dave 0 * :Dave");
    await irc.waitForLine(":socklab CAP * LS :");
    irc.send("CAP REQ :multi-prefix");
    await irc.waitForLine(":socklab CAP * NAK :multi-prefix");
    expect(irc.lines.some((line) => line.includes(" 001 "))).toBe(false);
    irc.send("CAP END");
    await irc.waitForLine(/^:socklab 001 dave :Welcome to the socklab IRC network dave!~dave@127\.0\.0\.1$/);
    await irc.waitForLine(/^:socklab 002 dave :Your host is socklab/);
    await irc.waitForLine(/^:socklab 003 dave :This server was created /);
    await irc.waitForLine(/^:socklab 004 dave socklab \S+ i :n$/);
    const isupport = await irc.waitForLine(/^:socklab 005 dave /);
    expect(isupport).toContain("CHANTYPES=# CHANNELLEN=32 NICKLEN=16");
    await irc.waitForLine(/^:socklab 375 dave /);
    await irc.waitForLine(/^:socklab 372 dave /);
    await irc.waitForLine(":socklab 376 dave :End of /MOTD command");
  });

  it("joins with a NAMES listing, and lists members with NAMES", async () => {
    await using bed = await startChatTestBed();
    await bed.plain("alice");
    const irc = await bed.irc("dave");
    irc.send("JOIN #lab,#side");
    await irc.waitForLine(":dave!~dave@127.0.0.1 JOIN :#lab");
    await irc.waitForLine(":socklab 353 dave = #lab :alice dave");
    await irc.waitForLine(":socklab 366 dave #lab :End of /NAMES list");
    await irc.waitForLine(":socklab 353 dave = #side :dave");
    const since = irc.lines.length;
    irc.send("NAMES #lab", "NAMES #none");
    await irc.waitForLine(":socklab 353 dave = #lab :alice dave", { since });
    await irc.waitForLine(":socklab 366 dave #none :End of /NAMES list", { since });
  });

  it("answers PING with PONG, PART with a reason, and JOIN 0 by leaving every channel", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const irc = await bed.irc("dave");
    irc.send("PING :token-1");
    await irc.waitForLine(":socklab PONG socklab :token-1");
    irc.send("JOIN #lab", "PART #lab :see you");
    await alice.waitForLine("* dave left #lab (see you)");
    irc.send("JOIN #lab,#side", "JOIN 0");
    await alice.waitForLine("* dave left #lab", {
      since: alice.lines.indexOf("* dave left #lab (see you)") + 1,
    });
    await irc.waitForLine(":dave!~dave@127.0.0.1 PART :#side");
  });

  it("cuts the token of a PING that fills a whole line, so that its PONG still fits in 512 bytes", async () => {
    await using bed = await startChatTestBed();
    const irc = await bed.irc("dave");
    const token = "X".repeat(512 - "PING :\r\n".length);
    irc.send(`PING :${token}`, "PING :still-here");
    const pong = await irc.waitForLine((line) => line.startsWith(":socklab PONG socklab :XXX"));
    expect(Buffer.byteLength(`${pong}\r\n`)).toBe(512);
    expect(token.startsWith(pong.slice(":socklab PONG socklab :".length))).toBe(true);
    await irc.waitForLine(":socklab PONG socklab :still-here");
  });

  it.each([
    ["JOIN #lab", "451 * :You have not registered", false],
    ["NICK", "431 * :No nickname given", false],
    ["NICK 9lives", "432 * 9lives :Erroneous nickname: a nick starts with a letter", false],
    ["NICK alice", "433 * alice :Nickname is already in use", false],
    ["USER x", "461 * USER :Not enough parameters", false],
    ["CAP FOO", "410 * FOO :Invalid CAP command", false],
    ["PING", "409 * :No origin specified", false],
    ["FROB x", "421 dave FROB :Unknown command", true],
    ["USER again 0 * :x", "462 dave :You may not reregister", true],
    ["NICK alice", "433 dave alice :Nickname is already in use", true],
    ["JOIN bad", "403 dave bad :No such channel: a room name starts with #", true],
    ["JOIN", "461 dave JOIN :Not enough parameters", true],
    ["PART #nowhere", "403 dave #nowhere :No such channel", true],
    ["PART #lab", "442 dave #lab :You're not on that channel", true],
    ["PRIVMSG nobody :hi", "401 dave nobody :No such nick", true],
    ["PRIVMSG #lab :hi", "404 dave #lab :Cannot send to channel: join it first", true],
    ["PRIVMSG #nowhere :hi", "403 dave #nowhere :No such channel", true],
    ["PRIVMSG", "411 dave :No recipient given (PRIVMSG)", true],
    ["PRIVMSG alice", "412 dave :No text to send", true],
    [
      `PRIVMSG alice :${"x".repeat(361)}`,
      "417 dave :Message text has at most 360 bytes, got 361; not sent",
      true,
    ],
    ["PRIVMSG a,b,c,d,e :hi", "407 dave e :Too many targets: at most 4", true],
  ])("answers %j with %j", async (line, reply, registered) => {
    await using bed = await startChatTestBed();
    await bed.plain("alice");
    const irc = registered ? await bed.irc("dave") : await bed.connect();
    if (!registered) irc.send("CAP LS");
    const since = irc.lines.length;
    irc.send(line);
    await irc.waitForLine((text) => text.startsWith(`:socklab ${reply}`), { since });
  });

  it("never answers a NOTICE with an error", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const irc = await bed.irc("dave");
    irc.send("NOTICE nobody :hi", "NOTICE #nowhere :hi", "NOTICE alice :notice text", "PING :after");
    await irc.waitForLine(":socklab PONG socklab :after");
    await alice.waitForLine("[private] dave: notice text");
    expect(irc.lines.filter((line) => / 40[13] /.test(line))).toEqual([]);
  });
});
