import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIrcMessage, type IrcMessage } from "./parse-irc-message.ts";
import { serializeIrcMessage } from "./serialize-irc-message.ts";

describe("parseIrcMessage", () => {
  it("reads the prefix, the command, the middle parameters and the trailing one", () => {
    expect(parseIrcMessage(":alice!~a@host PRIVMSG #lab :hello there")).toEqual({
      prefix: "alice!~a@host",
      command: "PRIVMSG",
      params: ["#lab", "hello there"],
    });
    expect(parseIrcMessage("USER alice 0 * :Alice Liddell")).toEqual({
      command: "USER",
      params: ["alice", "0", "*", "Alice Liddell"],
    });
  });

  it("keeps an empty trailing parameter and a trailing one that starts with a colon", () => {
    expect(parseIrcMessage("CAP * LS :").params).toEqual(["*", "LS", ""]);
    expect(parseIrcMessage("PRIVMSG #lab ::-)").params).toEqual(["#lab", ":-)"]);
  });

  it("uppercases the command, skips message tags, and tolerates runs of spaces", () => {
    expect(parseIrcMessage("@time=2024-01-01T00:00:00Z  privmsg   #lab   hi")).toEqual({
      command: "PRIVMSG",
      params: ["#lab", "hi"],
    });
    expect(parseIrcMessage("NAMES")).toEqual({ command: "NAMES", params: [] });
    expect(parseIrcMessage("001 alice :Welcome").command).toBe("001");
  });

  it("takes the rest of the line as the last parameter after 14 middle ones", () => {
    const middles = Array.from({ length: 14 }, (_, index) => `p${index}`);
    const message = parseIrcMessage(`CMD ${middles.join(" ")} rest of it`);
    expect(message.params).toEqual([...middles, "rest of it"]);
  });

  it("throws ERR_CHAT_SYNTAX when there is no valid command", () => {
    for (const line of ["", "   ", ":prefix-only", "PRIV-MSG #lab", "12 x", "!!!"]) {
      expect(() => parseIrcMessage(line), line).toThrow(expect.objectContaining({ code: "ERR_CHAT_SYNTAX" }));
    }
  });

  it("parses back whatever serializeIrcMessage writes", () => {
    const word = fc.stringMatching(/^[^\s:\0\r\n][^\s\0\r\n]{0,10}$/);
    const message = fc.record({
      prefix: fc.option(word, { nil: undefined }),
      command: fc.constantFrom("PRIVMSG", "JOIN", "001", "NOTICE"),
      middles: fc.array(word, { maxLength: 5 }),
      last: fc.option(fc.stringMatching(/^[^\0\r\n]{0,40}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(message, ({ prefix, command, middles, last }) => {
        const original: IrcMessage = {
          ...(prefix === undefined ? {} : { prefix }),
          command,
          params: last === undefined ? middles : [...middles, last],
        };
        expect(parseIrcMessage(serializeIrcMessage(original).slice(0, -2))).toEqual(original);
      }),
    );
  });
});
