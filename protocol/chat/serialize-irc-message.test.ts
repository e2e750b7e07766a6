import { describe, expect, it } from "vitest";
import { CHAT_LIMITS } from "./chat-limits.ts";
import { serializeIrcMessage } from "./serialize-irc-message.ts";

describe("serializeIrcMessage", () => {
  it("writes one CRLF-ended line with a colon on the last parameter", () => {
    expect(serializeIrcMessage({ prefix: "socklab", command: "001", params: ["alice", "Welcome"] })).toBe(
      ":socklab 001 alice :Welcome\r\n",
    );
    expect(serializeIrcMessage({ command: "JOIN", params: ["#lab"] })).toBe("JOIN :#lab\r\n");
    expect(serializeIrcMessage({ command: "CAP", params: ["*", "LS", ""] })).toBe("CAP * LS :\r\n");
    expect(serializeIrcMessage({ command: "QUIT", params: [] })).toBe("QUIT\r\n");
  });

  it("refuses what would split the line or change its meaning", () => {
    const bad = [
      { command: "PRIVMSG", params: ["#lab", "two\r\nlines"] },
      { command: "PRIVMSG", params: ["#lab", "nul\0"] },
      { command: "PRIVMSG", params: ["#l ab", "x"] },
      { command: "PRIVMSG", params: [":x", "x"] },
      { command: "PRIVMSG", params: ["", "x"] },
      { command: "priv msg", params: [] },
      { prefix: "a b", command: "PRIVMSG", params: [] },
    ];
    for (const message of bad) {
      expect(() => serializeIrcMessage(message), JSON.stringify(message)).toThrow(
        expect.objectContaining({ code: "ERR_CHAT_BAD_MESSAGE" }),
      );
    }
  });

  it("refuses a line over 512 bytes with ERR_CHAT_LINE_TOO_LONG", () => {
    expect(() => serializeIrcMessage({ command: "PRIVMSG", params: ["#lab", "é".repeat(300)] })).toThrow(
      expect.objectContaining({ code: "ERR_CHAT_LINE_TOO_LONG" }),
    );
  });

  it("fits the longest message text relayed with the longest prefix the server can build", () => {
    const prefix = `${"n".repeat(CHAT_LIMITS.maxNickLength)}!~${"u".repeat(CHAT_LIMITS.maxUserLength)}@${"h".repeat(CHAT_LIMITS.maxHostLength)}`;
    const room = `#${"r".repeat(CHAT_LIMITS.maxRoomLength - 1)}`;
    const text = "x".repeat(CHAT_LIMITS.maxTextBytes);
    expect(
      serializeIrcMessage({ prefix, command: "PRIVMSG", params: [room, text] }).length,
    ).toBeLessThanOrEqual(CHAT_LIMITS.maxLineBytes);
  });
});
