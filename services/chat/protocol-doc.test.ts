import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHAT_FAIL_CODES, CHAT_NUMERICS } from "../../protocol/chat/chat-numerics.ts";

const DOCS = join(import.meta.dirname, "..", "..", "docs", "protocols");
const readDoc = () => readFile(join(DOCS, "chat.md"), "utf8");

describe("docs/protocols/chat.md", () => {
  it("holds the Python client exactly as chat_client.py has it", async () => {
    const script = await readFile(join(DOCS, "chat_client.py"), "utf8");
    expect(await readDoc()).toContain("```python\n" + script + "```\n");
  });

  it("lists every error numeric the server sends, with its code", async () => {
    const doc = (await readDoc()).replace(/ {2,}/g, " ");
    const errors = Object.entries(CHAT_NUMERICS).filter(([name]) => name.startsWith("ERR_"));
    const missing = errors.filter(([name, { code }]) => !doc.includes(`| ${code} | ${name} |`));
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it("names every standard-reply code the server sends", async () => {
    const doc = await readDoc();
    expect(Object.keys(CHAT_FAIL_CODES).filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
  });

  it("documents every setting that main.ts reads from the environment", async () => {
    const main = await readFile(join(import.meta.dirname, "main.ts"), "utf8");
    const doc = await readDoc();
    const settings = [...main.matchAll(/"(SOCKLAB_[A-Z_]+)"/g)].map((match) => match[1] ?? "");
    expect(settings.length).toBeGreaterThan(5);
    expect(settings.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
