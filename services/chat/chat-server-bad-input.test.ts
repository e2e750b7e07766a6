import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startChatTestBed } from "./test-support/chat-test-bed.ts";
import { LineSocket } from "./test-support/line-socket.ts";
import { waitUntil } from "../test-support/wait-until.ts";

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

describe("chat server, bad input", () => {
  it("drops a line that is not valid UTF-8 with INVALID_UTF8, relays nothing, and reads on", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const irc = await bed.irc("dave");
    bob.sendRaw(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
    await bob.waitForLine("! INVALID_UTF8 Line was not valid UTF-8 and was dropped");
    irc.sendRaw(Buffer.concat([utf8("PRIVMSG #lab :"), Buffer.from([0xc3, 0x28]), utf8("\r\n")]));
    await irc.waitForLine(":socklab FAIL * INVALID_UTF8 :Line was not valid UTF-8 and was dropped");
    const newcomer = await bed.connect();
    newcomer.sendRaw(Buffer.from([0xff, 0x0a]));
    await newcomer.waitForLine(":socklab NOTICE * :INVALID_UTF8 Line was not valid UTF-8 and was dropped");
    bob.send("café, in UTF-8 this time");
    await alice.waitForLine("bob: café, in UTF-8 this time");
    expect(alice.lines.filter((line) => line.startsWith("bob: "))).toEqual(["bob: café, in UTF-8 this time"]);
  });

  it("drops a line over 512 bytes with ERR_INPUTTOOLONG and reads the next one", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const irc = await bed.irc("dave");
    bob.sendRaw(`${"x".repeat(600)}\nshort one\n`);
    await bob.waitForLine(
      "! ERR_INPUTTOOLONG Input line was too long: at least 601 bytes, at most 512 with CRLF; dropped",
    );
    await alice.waitForLine("bob: short one");
    irc.sendRaw(`PRIVMSG #lab :${"y".repeat(520)}\r\n`);
    await irc.waitForLine(
      ":socklab 417 dave :Input line was too long: at least 536 bytes, at most 512 with CRLF; dropped",
    );
    expect(alice.lines.some((line) => line.includes("xxxx"))).toBe(false);
  });

  it("reports an endless line once and skips it without buffering it", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const megabyte = Buffer.alloc(1024 * 1024, "z");
    bob.sendRaw(megabyte);
    bob.sendRaw("\nstill here\n");
    await alice.waitForLine("bob: still here", { timeoutMs: 10_000 });
    expect(bob.lines.filter((line) => line.startsWith("! ERR_INPUTTOOLONG"))).toHaveLength(1);
  });

  it("drops a line holding a NUL or a bare CR with FORBIDDEN_BYTE", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.sendRaw("nul\0inside\nfake\r:evil!x@y PRIVMSG #lab :forged\nclean\n");
    await alice.waitForLine("bob: clean");
    expect(
      bob.lines.filter(
        (line) => line === "! FORBIDDEN_BYTE Line had a NUL or a bare CR in it and was dropped",
      ),
    ).toHaveLength(2);
    expect(alice.lines.some((line) => line.includes("forged") || line.includes("inside"))).toBe(false);
  });

  it("ignores empty and blank lines without a reply", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const since = bob.lines.length;
    bob.sendRaw("\n\r\n   \n\t\nreal\n");
    await alice.waitForLine("bob: real");
    bob.send("/who");
    await bob.waitForLine("- members of #lab (2): alice bob", { since });
    expect(bob.lines.slice(since)).toEqual(["- members of #lab (2): alice bob"]);
  });

  it("refuses a nick over 16 characters, from a plain user and from IRC", async () => {
    await using bed = await startChatTestBed();
    const plain = await bed.connect();
    plain.send("a".repeat(17));
    await plain.waitForLine(
      `! ERR_ERRONEUSNICKNAME ${"a".repeat(17)}: a nick has at most 16 characters, got 17`,
    );
    plain.send("a".repeat(16));
    await plain.waitForLine(`* ${"a".repeat(16)} joined #lab`);
    const irc = await bed.connect();
    irc.send(`NICK ${"b".repeat(17)}`);
    await irc.waitForLine(
      `:socklab 432 * ${"b".repeat(17)} :Erroneous nickname: a nick has at most 16 characters, got 17`,
    );
  });

  it("refuses a message over 360 bytes of text, which could not be relayed whole", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.send("é".repeat(181), "é".repeat(180));
    await bob.waitForLine("! ERR_INPUTTOOLONG a message has at most 360 bytes of UTF-8, got 362; not sent");
    await alice.waitForLine(`bob: ${"é".repeat(180)}`);
  });

  it("holds back lines past the rate limit and delivers them in order", async () => {
    await using bed = await startChatTestBed({
      floodBurstLines: 5,
      floodLinesPerSecond: 50,
      floodMaxWaitingLines: 20,
    });
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    const lines = Array.from({ length: 20 }, (_, index) => `line ${index}`);
    bob.send(...lines);
    await alice.waitForLine("bob: line 19");
    expect(alice.lines.filter((line) => line.startsWith("bob: line "))).toEqual(
      lines.map((line) => `bob: ${line}`),
    );
    expect(bob.closed).toBe(false);
  });

  it("disconnects a flooder with Excess Flood while the room keeps talking", async () => {
    await using bed = await startChatTestBed({
      floodBurstLines: 5,
      floodLinesPerSecond: 50,
      floodMaxWaitingLines: 20,
    });
    const alice = await bed.plain("alice");
    const carol = await bed.plain("carol");
    const bob = await bed.plain("bob");
    bob.send(...Array.from({ length: 100 }, (_, index) => `flood ${index}`));
    await bob.waitForLine(/^! ERROR Closing link: Excess Flood: \d+ lines waiting, over 20 at 50 lines\/s$/);
    await alice.waitForLine(/^\* bob quit \(Excess Flood: /);
    await bob.waitForClose();
    carol.send("calm again");
    await alice.waitForLine("carol: calm again");
  });

  it("pings a silent client and drops it when it does not answer", async () => {
    await using bed = await startChatTestBed({ pingIntervalMs: 100, pingTimeoutMs: 150 });
    const alice = await bed.plain("alice");
    alice.answerPings();
    const bob = await bed.plain("bob");
    const irc = await bed.irc("dave");
    irc.send("JOIN #lab");
    await bob.waitForLine("? ping: send any line within 150 ms to stay connected (an empty line will do)");
    await bob.waitForLine(/^! ERROR Closing link: Ping timeout: silent for \d+ ms$/);
    await irc.waitForLine("PING :socklab");
    await irc.waitForLine(/^ERROR :Closing Link: 127\.0\.0\.1 \(Ping timeout: silent for \d+ ms\)$/);
    await alice.waitForLine(/^\* bob quit \(Ping timeout: silent for \d+ ms\)$/);
    await alice.waitForLine(/^\* dave quit \(Ping timeout: silent for \d+ ms\)$/);
    await waitUntil(
      () => alice.lines.filter((line) => line.startsWith("? ping:")).length >= 3,
      "alice to answer three pings",
    );
    expect(alice.closed).toBe(false);
  });

  it("keeps an IRC client that answers PING with PONG", async () => {
    await using bed = await startChatTestBed({ pingIntervalMs: 100, pingTimeoutMs: 150 });
    const irc = await bed.irc("dave");
    irc.answerPings();
    await waitUntil(
      () => irc.lines.filter((line) => line === "PING :socklab").length >= 3,
      "three PINGs answered",
    );
    expect(irc.closed).toBe(false);
  });

  it("closes a connection that chooses no nick in time", async () => {
    await using bed = await startChatTestBed({ registrationTimeoutMs: 100 });
    const silent = await bed.connect();
    const undecided = await bed.connect();
    undecided.send("not a nick!");
    await silent.waitForLine("ERROR :Closing Link: 127.0.0.1 (Registration timeout: no nick within 100 ms)");
    await undecided.waitForLine("! ERROR Closing link: Registration timeout: no nick within 100 ms");
    await silent.waitForClose();
    await undecided.waitForClose();
    await waitUntil(() => bed.server.connectionCount() === 0, "both to be gone");
  });

  it(
    "survives any mix of garbage and half-valid commands, and keeps serving",
    { timeout: 60_000 },
    async () => {
      await using bed = await startChatTestBed({ floodBurstLines: 1_000, floodMaxWaitingLines: 1_000 });
      // Words near the limits too: a reply that echoes one must still fit in 512 bytes.
      const long = fc.integer({ min: 300, max: 505 }).map((length) => "X".repeat(length));
      const word = fc.oneof(
        fc.constantFrom("#lab", "#x", "alice", "p0", "i1", "", ":", "0", "*", ",", "#lab,#x,alice,#y,#z"),
        fc.string({ maxLength: 12 }),
        long,
      );
      const commands = ["NICK", "USER", "CAP", "PASS", "JOIN", "PART", "PRIVMSG", "NOTICE", "NAMES", "PING"];
      const slashCommands = ["/nick", "/join", "/part", "/who", "/msg", "/quit", "/help", "//", ""];
      const command = fc.oneof(fc.constantFrom(...commands, "PONG", "QUIT", ...slashCommands), long);
      const line = fc
        .tuple(command, fc.array(word, { maxLength: 5 }))
        .map(([name, args]) => utf8(`${[name, ...args].join(" ")}\r\n`));
      const chunk = fc.oneof(
        { weight: 4, arbitrary: line },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600, size: "max" }) },
      );
      // Each client first registers as a plain user, as an IRC user, or not at all.
      const client = fc.record({
        as: fc.constantFrom("plain", "irc", "nobody"),
        chunks: fc.array(chunk, { maxLength: 30, size: "max" }),
      });
      const registration = (as: string, index: number): string =>
        as === "plain" ? `p${index}\r\n` : as === "irc" ? `NICK i${index}\r\nUSER i 0 * :i\r\n` : "";
      await fc.assert(
        fc.asyncProperty(fc.array(client, { minLength: 1, maxLength: 3 }), async (clients) => {
          const sockets = await Promise.all(clients.map(() => LineSocket.connect(bed.port)));
          for (const [index, { as, chunks }] of clients.entries()) {
            const socket = sockets[index] as LineSocket;
            socket.sendRaw(registration(as, index));
            for (const data of chunks) socket.sendRaw(data);
          }
          // A FIN after the garbage: the server handles every line before it, then closes its side.
          for (const socket of sockets) socket.socket.end();
          await Promise.all(sockets.map((socket) => socket.waitForClose()));
        }),
        { numRuns: 60 },
      );
      expect(bed.logs.filter((entry) => entry["event"] === "internal-error")).toEqual([]);
      const alice = await bed.plain("alice");
      const bob = await bed.plain("bob");
      bob.send("still serving");
      await alice.waitForLine("bob: still serving");
    },
  );
});
