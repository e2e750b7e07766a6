import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = path.join(import.meta.dirname, "..");
const read = (file: string) => readFile(path.join(REPO_ROOT, file), "utf8");

// Where the repository keeps the page's example, and where the page tells a reader to put theirs.
const FIXTURE_DIR = "lab-tests/cli/fixtures/my-server";
const TEST_FILE = "lab-tests/cli/my-server.lab.test.ts";
const AS_THE_DOC_NAMES_THEM: readonly (readonly [string, string])[] = [
  [TEST_FILE, "lab-tests/my-server/my-server.lab.test.ts"],
  [FIXTURE_DIR, "lab-tests/my-server"],
];

// The example project that the doc shows first, as a user's own repository would hold it.
const EXAMPLE_FILES = [
  "examples/greeter/test/greeter.lab.test.ts",
  "examples/greeter/compose.yml",
  "examples/greeter/.github/workflows/socklab.yml",
] as const;

/** The file as the doc shows it: the same text, in the folders the doc names. */
function asInTheDoc(text: string): string {
  return AS_THE_DOC_NAMES_THEM.reduce((out, [here, there]) => out.replaceAll(here, there), text);
}

/** The code blocks of a markdown text in one language, in order. */
function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, "gm"))].map(
    (m) => m[1] ?? "",
  );
}

describe("docs/testing-your-own-service.md", () => {
  it("shows the lab test that the repository runs, line for line", async () => {
    const doc = await read("docs/testing-your-own-service.md");
    const test = await read(TEST_FILE);
    expect(codeBlocks(doc, "ts")).toContain(asInTheDoc(test));
  });

  it("teaches the package way first, with the example project's files line for line", async () => {
    const doc = await read("docs/testing-your-own-service.md");
    const shown = [...codeBlocks(doc, "ts"), ...codeBlocks(doc, "yaml")];
    for (const file of EXAMPLE_FILES) expect(shown).toContain(await read(file));
    expect(doc.indexOf("the package")).toBeLessThan(doc.indexOf("a compose override"));
    expect(await read(EXAMPLE_FILES[0])).toContain('from "socklab";');
  });

  it("shows the compose override that the repository's test layers over the lab, line for line", async () => {
    const doc = await read("docs/testing-your-own-service.md");
    const override = await read(`${FIXTURE_DIR}/compose.my-server.yml`);
    expect(codeBlocks(doc, "yaml")).toContain(asInTheDoc(override));
    expect(await read(TEST_FILE)).toContain(`const OVERRIDE = "${FIXTURE_DIR}/compose.my-server.yml";`);
  });

  it("builds the stand-in server from the Node image the lab's own images use", async () => {
    const nodeImage = (dockerfile: string) => /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    const lab = nodeImage(await read("Dockerfile"));
    expect(lab).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(nodeImage(await read(`${FIXTURE_DIR}/Dockerfile`))).toBe(lab);
  });
});
