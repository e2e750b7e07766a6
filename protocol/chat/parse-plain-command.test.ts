import { describe, expect, it } from "vitest";
import { parsePlainCommand } from "./parse-plain-command.ts";

describe("parsePlainCommand", () => {
  it("takes a line that does not start with / as text for the room, as typed", () => {
    expect(parsePlainCommand("hello  there ")).toEqual({ kind: "say", text: "hello  there " });
  });

  it("reads //text as the text /text", () => {
    expect(parsePlainCommand("//etc/hosts")).toEqual({ kind: "say", text: "/etc/hosts" });
  });

  it.each([
    ["/nick bob", { kind: "nick", nick: "bob" }],
    ["/NICK  bob ", { kind: "nick", nick: "bob" }],
    ["/join lab", { kind: "join", room: "#lab" }],
    ["/join #Lab", { kind: "join", room: "#Lab" }],
    ["/part", { kind: "part", room: undefined }],
    ["/part lab", { kind: "part", room: "#lab" }],
    ["/who", { kind: "who", room: undefined }],
    ["/who #other", { kind: "who", room: "#other" }],
    ["/msg bob hi  there", { kind: "msg", nick: "bob", text: "hi  there" }],
    ["/quit", { kind: "quit", reason: undefined }],
    ["/quit see you", { kind: "quit", reason: "see you" }],
    ["/help", { kind: "help" }],
  ])("parses %j", (line, command) => {
    expect(parsePlainCommand(line)).toEqual(command);
  });

  it("names the usage when an argument is missing", () => {
    expect(parsePlainCommand("/msg bob")).toEqual({
      kind: "missing-argument",
      command: "/msg",
      usage: "/msg NICK TEXT",
    });
    expect(parsePlainCommand("/nick")).toEqual({
      kind: "missing-argument",
      command: "/nick",
      usage: "/nick NAME",
    });
    expect(parsePlainCommand("/join  ")).toEqual({
      kind: "missing-argument",
      command: "/join",
      usage: "/join ROOM",
    });
  });

  it("reports an unknown command by the name typed", () => {
    expect(parsePlainCommand("/frob x")).toEqual({ kind: "unknown", command: "/frob" });
    expect(parsePlainCommand("/")).toEqual({ kind: "unknown", command: "/" });
    expect(parsePlainCommand("/constructor")).toEqual({ kind: "unknown", command: "/constructor" });
  });
});
