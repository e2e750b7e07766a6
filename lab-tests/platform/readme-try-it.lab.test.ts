import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

// The README's table of services gives each a line to try in the workbench; each must work as
// printed. What a learner would type after it (a nick for chat) comes on stdin.
const EXPECTED: Record<string, { input: string; output: string }> = {
  "tcp-echo": { input: "", output: "hi\n" },
  "udp-echo": { input: "", output: "hi\n" },
  "file-transfer": { input: "", output: '"ok":true' },
  chat: { input: "readme\n/quit\n", output: "welcome, readme" },
};

/** The first code span of each service row's last column, with the table's `\|` unescaped. */
async function tryItLines(): Promise<Map<string, string>> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const lines = new Map<string, string>();
  for (const service of Object.keys(EXPECTED)) {
    const row = readme.split("\n").find((line) => line.startsWith(`| ${service} `));
    const lastCell = row?.split(/(?<!\\)\|/).at(-2) ?? "";
    const code = /`([^`]+)`/.exec(lastCell)?.[1];
    if (code !== undefined) lines.set(service, code.replaceAll("\\|", "|"));
  }
  return lines;
}

describe("the README's try-it lines, run in the workbench as printed", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.down();
  });

  it("gives every service a line", async () => {
    expect([...(await tryItLines()).keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))("runs the line for %s", async (service) => {
    const line = (await tryItLines()).get(service) ?? "";
    const { input, output } = EXPECTED[service] ?? { input: "", output: "" };
    // Bounded: a line that waits for more input than it is given fails here, not hangs.
    const script = `printf '%s' "$SOCKLAB_INPUT" | timeout 15 sh -c "$SOCKLAB_LINE"`;
    const run = await lab.exec("workbench", [
      "env",
      `SOCKLAB_INPUT=${input}`,
      `SOCKLAB_LINE=${line}`,
      "sh",
      "-c",
      script,
    ]);
    expect(run, line).toMatchObject({ exitCode: 0 });
    expect(run.stdout).toContain(output);
  });
});
