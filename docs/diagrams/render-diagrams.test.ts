import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderDiagrams } from "./render-diagrams.ts";

const diagrams = renderDiagrams();

interface SvgText {
  x: number;
  anchor: string;
  content: string;
}

// The <text> elements of an SVG as render-diagrams.ts writes them: x, then the other attributes.
function textsOf(svg: string): SvgText[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+"([^>]*)>([^<]*)<\/text>/g)].map((match) => ({
    x: Number(match[1]),
    anchor: /text-anchor="(\w+)"/.exec(match[2] ?? "")?.[1] ?? "start",
    content: match[3] ?? "",
  }));
}

// Which lifeline a note is written beside: the nearer one, with the text running away from the other.
function lifelineOf(svg: string, content: string): "client" | "server" {
  const texts = textsOf(svg);
  const find = (label: string) => {
    const found = texts.find((t) => t.content === label);
    if (!found) throw new Error(`no text ${JSON.stringify(label)} in the diagram`);
    return found;
  };
  const clientX = find("client (workbench)").x;
  const serverX = find("server (tcp-echo)").x;
  const note = find(content);
  if (Math.abs(note.x - serverX) < Math.abs(note.x - clientX)) {
    expect(note.anchor).toBe("start");
    return "server";
  }
  expect(note.anchor).toBe("end");
  return "client";
}

describe("the diagrams of docs/tcp-states.md", () => {
  it.each([...diagrams.keys()])("keeps %s equal to what render-diagrams.ts draws", (file) => {
    expect(readFileSync(path.join(import.meta.dirname, file), "utf8")).toBe(diagrams.get(file));
  });

  it("writes connect() on the client's lifeline and accept() returns on the server's", () => {
    const handshake = diagrams.get("handshake.svg") ?? "";
    expect(lifelineOf(handshake, "connect()")).toBe("client");
    expect(lifelineOf(handshake, "accept() returns")).toBe("server");
  });

  it("writes each end() on the lifeline of the end that closes", () => {
    const close = diagrams.get("close.svg") ?? "";
    const ends = textsOf(close).filter((t) => t.content === "end()");
    expect(ends).toHaveLength(2);
    expect(ends.map((t) => t.anchor)).toEqual(["end", "start"]);
  });
});
