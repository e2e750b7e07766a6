import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The fault soak's probe writes the ledgers' source text into the workbench's /tmp and imports it
// there, where nothing of the repository but the clients exists: they must import nothing.
describe.each(["chat-ledger.ts", "file-ledger.ts"])("%s", (file) => {
  it("imports nothing, so that it runs from its source text alone in the workbench", () => {
    const source = readFileSync(path.join(import.meta.dirname, file), "utf8");
    expect(source).not.toMatch(/^\s*import\b/m);
    expect(source).not.toMatch(/\bimport\(/);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
