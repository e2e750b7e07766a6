import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_REFERENCE_FILE, renderApiReference } from "./render-api-reference.ts";

describe("docs/api.md", () => {
  it("is what the package's types and the error-code table say today", async () => {
    const rendered = await renderApiReference();
    expect(await readFile(API_REFERENCE_FILE, "utf8")).toBe(rendered);
    for (const name of ["startLab", "waitForSocket", "startPuppet", "execInContainer", "sweepLeftovers"])
      expect(rendered).toContain(`### \`${name}\``);
  });
});
