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
});
