// The layout's dependency rules (README, "Layout"), checked on every import in the tree.
import { readFile } from "node:fs/promises";
import { glob } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../labkit/lab/lab-project.ts";

interface Import {
  file: string;
  specifier: string;
  /** The imported file relative to the repository root, for relative specifiers. */
  target?: string;
  /** `import type`: erased when compiled, nothing is loaded. */
  typeOnly: boolean;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

async function importsOf(pattern: string): Promise<Import[]> {
  const found: Import[] = [];
  for await (const file of glob(pattern, { cwd: REPO_ROOT, exclude: (f) => f.includes("node_modules") })) {
    const text = await readFile(path.join(REPO_ROOT, file), "utf8");
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? "";
      const target = specifier.startsWith(".")
        ? path.relative(REPO_ROOT, path.resolve(REPO_ROOT, path.dirname(file), specifier))
        : undefined;
      const typeOnly = /^\s*(?:import|export)\s+type\b/.test(match[0]);
      found.push({ file, specifier, typeOnly, ...(target ? { target } : {}) });
    }
  }
  return found;
}

const describeImport = (i: Import) => `${i.file} imports ${i.specifier}`;
const CODE = "{protocol,io,services,clients,labkit,cli,bench,lab-tests,docs,scripts,web}/**/*.{ts,tsx}";

describe("the layout's dependency rules", () => {
  it("nothing outside lab-tests imports from lab-tests", async () => {
    const wrong = (await importsOf(CODE)).filter(
      (i) => !i.file.startsWith("lab-tests/") && i.target?.startsWith("lab-tests/"),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("only the library imports testcontainers and dockerode", async () => {
    const wrong = (await importsOf(CODE)).filter(
      (i) => /^(testcontainers|dockerode)(\/|$)/.test(i.specifier) && !i.file.startsWith("labkit/"),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("protocol imports no sockets and no files, so every codec is tested on plain bytes", async () => {
    const wrong = (await importsOf("protocol/**/*.ts")).filter(
      (i) => !i.file.endsWith(".test.ts") && /^node:(net|dgram|fs)(\/|$)/.test(i.specifier),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("io, shared by services and clients, imports neither, nor any socket", async () => {
    const wrong = (await importsOf("io/**/*.ts")).filter(
      (i) =>
        /^node:(net|dgram)(\/|$)/.test(i.specifier) ||
        i.target?.startsWith("services/") === true ||
        i.target?.startsWith("clients/") === true,
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("services and clients never import each other", async () => {
    const all = await importsOf("{services,clients}/**/*.ts");
    const wrong = all.filter(
      (i) =>
        (i.file.startsWith("services/") && i.target?.startsWith("clients/") && !i.file.includes("test")) ||
        (i.file.startsWith("clients/") && i.target?.startsWith("services/") && !i.file.includes("test")),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("the page (browser code) imports preact, its own files, and the server's event types only as types", async () => {
    const wrong = (await importsOf("web/page/**/*.{ts,tsx}")).filter(
      (i) =>
        !/^preact(\/hooks)?$/.test(i.specifier) &&
        !i.target?.startsWith("web/page/") &&
        !(i.target === "web/server/page-events.ts" && i.typeOnly),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("only the page imports preact, and only the page's build imports vite", async () => {
    const all = await importsOf(CODE);
    const wrong = all.filter(
      (i) =>
        (/^preact(\/|$)/.test(i.specifier) && !i.file.startsWith("web/page/")) ||
        (/^vite(\/|$)/.test(i.specifier) && i.file !== "web/vite.config.ts"),
    );
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it("finds the imports it checks", async () => {
    const labkit = await importsOf("labkit/**/*.ts");
    expect(labkit.some((i) => i.specifier === "testcontainers")).toBe(true);
    const all = await importsOf(CODE);
    expect(all.some((i) => i.file === "web/page/main.tsx" && i.specifier === "preact")).toBe(true);
    expect(all.some((i) => i.file.startsWith("web/page/") && i.typeOnly)).toBe(true);
    expect(all.some((i) => i.file.startsWith("web/server/") && i.target?.startsWith("labkit/"))).toBe(true);
  });
});
