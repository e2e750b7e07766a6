import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPlainServerLine } from "./format-plain-server-line.ts";
import { parsePlainServerLine } from "./parse-plain-server-line.ts";
import type { PlainServerLine } from "./plain-server-line.ts";

const nick = fc.stringMatching(/^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,15}$/);
const room = fc.stringMatching(/^#[A-Za-z0-9_.+-]{1,31}$/);
const text = fc.string({ unit: "grapheme", maxLength: 80 }).filter((value) => !/[\r\n]/.test(value));
// Server information that does not start like a members line, which it would then read as.
const infoText = text.filter((value) => !value.startsWith("members of "));
const errorCode = fc.oneof(
  fc.constantFrom("ERR_NICKNAMEINUSE", "INVALID_UTF8", "ERROR"),
  fc.stringMatching(/^[A-Z_0-9]{1,20}$/),
);

// A new kind of line fails to compile here until the round trip below generates it too.
const EVERY_KIND = {
  message: true,
  private: true,
  join: true,
  part: true,
  nick: true,
  quit: true,
  members: true,
  info: true,
  question: true,
  error: true,
} satisfies Record<PlainServerLine["kind"], true>;
// Enough for every kind, with empty and odd texts, many times over, in well under a second.
const RUNS = { numRuns: 1_000, plugins: [fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true })] };

const plainLine: fc.Arbitrary<PlainServerLine> = fc.oneof(
  fc.record({ kind: fc.constant("message"), from: nick, text }),
  fc.record({ kind: fc.constant("private"), from: nick, text }),
  fc.record({ kind: fc.constant("join"), nick, room }),
  fc.record({ kind: fc.constant("part"), nick, room, reason: fc.option(text, { nil: undefined }) }),
  fc.record({ kind: fc.constant("nick"), nick, newNick: nick }),
  fc.record({ kind: fc.constant("quit"), nick, reason: text }),
  fc.record({
    kind: fc.constant("members"),
    room,
    total: fc.nat(2_000),
    nicks: fc.array(nick, { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant("info"), text: infoText }),
  fc.record({ kind: fc.constant("question"), topic: fc.constantFrom("nick", "ping"), text }),
  fc.record({ kind: fc.constant("error"), code: errorCode, text }),
);

describe("plain server lines", () => {
  it("read back as what was formatted, for every kind of line", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(plainLine, (line) => {
        seen.add(line.kind);
        expect(parsePlainServerLine(formatPlainServerLine(line))).toEqual(line);
      }),
      RUNS,
    );
    expect([...seen].sort()).toEqual(Object.keys(EVERY_KIND).sort());
  });

  it("look as the protocol document shows them", () => {
    expect(formatPlainServerLine({ kind: "message", from: "bob", text: "hi" })).toBe("bob: hi");
    expect(formatPlainServerLine({ kind: "private", from: "bob", text: "psst" })).toBe("[private] bob: psst");
    expect(formatPlainServerLine({ kind: "join", nick: "bob", room: "#lab" })).toBe("* bob joined #lab");
    expect(formatPlainServerLine({ kind: "part", nick: "bob", room: "#lab", reason: undefined })).toBe(
      "* bob left #lab",
    );
    expect(formatPlainServerLine({ kind: "nick", nick: "bob", newNick: "robert" })).toBe(
      "* bob is now known as robert",
    );
    expect(formatPlainServerLine({ kind: "quit", nick: "bob", reason: "Quit: bye" })).toBe(
      "* bob quit (Quit: bye)",
    );
    expect(formatPlainServerLine({ kind: "members", room: "#lab", total: 2, nicks: ["alice", "bob"] })).toBe(
      "- members of #lab (2): alice bob",
    );
    expect(formatPlainServerLine({ kind: "info", text: "welcome" })).toBe("- welcome");
    expect(formatPlainServerLine({ kind: "question", topic: "nick", text: "type a nick" })).toBe(
      "? nick: type a nick",
    );
    expect(
      formatPlainServerLine({ kind: "error", code: "ERR_NOSUCHNICK", text: "carol: No such nick" }),
    ).toBe("! ERR_NOSUCHNICK carol: No such nick");
  });

  it("reads the IRC-shaped greeting and closing lines as IRC", () => {
    expect(parsePlainServerLine(":socklab NOTICE * :*** type a nick")).toEqual({
      kind: "irc",
      message: { prefix: "socklab", command: "NOTICE", params: ["*", "*** type a nick"] },
    });
    expect(parsePlainServerLine("ERROR :Closing Link: 127.0.0.1 (Registration timeout)")).toMatchObject({
      kind: "irc",
      message: { command: "ERROR" },
    });
  });

  it("reads a message from a nick that looks like a sigil line's start as a message", () => {
    expect(parsePlainServerLine("[private]: hi")).toEqual({ kind: "message", from: "[private]", text: "hi" });
    expect(parsePlainServerLine("bob: * alice joined #lab")).toEqual({
      kind: "message",
      from: "bob",
      text: "* alice joined #lab",
    });
  });

  it("reads a members line whose count is past 2^53 as information, not as a count it cannot hold", () => {
    const line = `- members of #lab (${"9".repeat(22)}): alice`;
    expect(parsePlainServerLine(line)).toEqual({ kind: "info", text: line.slice(2) });
  });

  it("calls anything else unknown rather than guessing", () => {
    for (const line of ["", "no colon here", "* not an event", "bad nick!: x", "? what: x"]) {
      expect(parsePlainServerLine(line), line).toEqual({ kind: "unknown", line });
    }
  });
});
