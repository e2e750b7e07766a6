import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const DOCS = path.join(import.meta.dirname, "..");
const read = (file: string): string => readFileSync(path.join(DOCS, file), "utf8");
const markdownIn = (dir: string): string[] =>
  readdirSync(path.join(DOCS, dir))
    .filter((name) => name.endsWith(".md"))
    .sort();

// The Chinese pages translate the English ones; these pairs must stay in step.
const PAIRS = [
  ...markdownIn("exercises").map((name) => [`exercises/${name}`, `zh/exercises/${name}`] as const),
  ["glossary.md", "zh/glossary.md"] as const,
];

/** Fenced code as a learner types or reads it; comments (`# ...`) may be translated. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) =>
    (m[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/(^|\s)#\s.*$/, "").trimEnd())
      .join("\n"),
  );
}

// A command in running text: a code span that starts with a program a learner runs.
const COMMAND = /`((?:npx socklab|socklab|python3|nc|strace|docker|sha256sum|head) [^`]*)`/g;
const commandsIn = (markdown: string): string[] =>
  [...markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(COMMAND)].map((m) => m[1] ?? "");

/** The skeleton: sections (## headings, kept in English in the glossary) and numbered steps (**1.**). */
const stepsIn = (markdown: string): string[] =>
  [...markdown.matchAll(/^(##+) |^\*\*(\d+)\./gm)].map((m) => m[1] ?? `step ${m[2] ?? ""}`);

describe("the Chinese lessons", () => {
  it("translate every English exercise, and nothing else", () => {
    expect(markdownIn("zh/exercises")).toEqual(markdownIn("exercises"));
    expect(PAIRS.length).toBeGreaterThan(9);
  });

  it.each(PAIRS)("%s and %s have the same sections and steps", (english, chinese) => {
    expect(stepsIn(read(chinese))).toEqual(stepsIn(read(english)));
  });

  it.each(PAIRS)("%s and %s show the same code, in the same order", (english, chinese) => {
    expect(codeBlocks(read(chinese))).toEqual(codeBlocks(read(english)));
  });

  it.each(PAIRS)("%s and %s name the same commands, in the same order", (english, chinese) => {
    expect(commandsIn(read(chinese))).toEqual(commandsIn(read(english)));
  });

  it("keep the glossary's terms, in the same order", () => {
    const terms = (file: string) => [...read(file).matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(terms("zh/glossary.md")).toEqual(terms("glossary.md"));
    expect(terms("glossary.md")).toEqual(
      expect.arrayContaining(["Three-way handshake · 三次握手", "Sticky packets · 粘包"]),
    );
  });
});
