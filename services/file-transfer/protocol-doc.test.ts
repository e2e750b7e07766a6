import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILE_TRANSFER_ERRORS } from "../../protocol/file-transfer/file-transfer-errors.ts";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import { FILE_TRANSFER_DEFAULTS } from "./file-transfer-server.ts";

const DOCS = join(import.meta.dirname, "..", "..", "docs", "protocols");

describe("docs/protocols/file-transfer.md", () => {
  it("holds the Python client exactly as file_transfer_client.py has it", async () => {
    const doc = await readFile(join(DOCS, "file-transfer.md"), "utf8");
    const script = await readFile(join(DOCS, "file_transfer_client.py"), "utf8");
    expect(doc).toContain("```python\n" + script + "```\n");
  });

  it("documents every error code the server sends", async () => {
    const doc = await readFile(join(DOCS, "file-transfer.md"), "utf8");
    const missing = Object.keys(FILE_TRANSFER_ERRORS).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("states the limits and defaults the code uses", async () => {
    // Prettier pads table cells: compare with runs of spaces collapsed.
    const doc = (await readFile(join(DOCS, "file-transfer.md"), "utf8")).replace(/ {2,}/g, " ");
    const number = (value: number): string => value.toLocaleString("en-US").replaceAll(",", " ");
    expect(doc).toContain(`**${number(FILE_TRANSFER_LIMITS.maxHeaderBytes)} bytes**`);
    expect(doc).toContain(`**${FILE_TRANSFER_LIMITS.maxNameBytes} bytes**`);
    expect(doc).toContain(`| ${number(FILE_TRANSFER_DEFAULTS.maxFileBytes)} (16 GiB) |`);
    expect(doc).toContain(`| ${number(FILE_TRANSFER_DEFAULTS.partialTtlMs)} (24 h) |`);
    expect(doc).toContain(`| port | ${FILE_TRANSFER_DEFAULTS.port} |`);
  });

  it("gives the example put the hash of what it says the file is: 1 MiB of zero bytes", async () => {
    const doc = await readFile(join(DOCS, "file-transfer.md"), "utf8");
    const zeros = createHash("sha256").update(new Uint8Array(1_048_576)).digest("hex");
    expect(doc).toContain("1 MiB of zero bytes");
    const section = doc.slice(doc.indexOf("### 3.1 put"), doc.indexOf("### 3.3 list"));
    const hashes = new Set(section.match(/[0-9a-f]{64}/g));
    expect([...hashes]).toEqual([zeros]);
    expect(section.match(/"size": (\d+)/g)?.every((size) => size === '"size": 1048576')).toBe(true);
  });

  it("shows the session byte by byte with lengths that match the headers, and the hash of its file", async () => {
    const doc = await readFile(join(DOCS, "file-transfer.md"), "utf8");
    const session = doc.slice(doc.indexOf("## 8."), doc.indexOf("## 9."));
    const frames = [
      ...session.matchAll(/^[CS]: ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2}) (\{.*\})$/gm),
    ];
    expect(frames.length).toBeGreaterThanOrEqual(9);
    for (const [, ...groups] of frames) {
      const json = groups[4] ?? "";
      expect({ json, length: parseInt(groups.slice(0, 4).join(""), 16) }).toEqual({
        json,
        length: Buffer.byteLength(json),
      });
      JSON.parse(json);
    }
    const hello = createHash("sha256").update("hello").digest("hex");
    expect(new Set(session.match(/[0-9a-f]{64}/g))).toEqual(new Set([hello]));
  });
});
