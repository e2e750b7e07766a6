// What the docs tell a learner to type must leave their running lab and their other processes alone.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = path.join(import.meta.dirname, "..");

// Everything a learner reads: the README, every page under docs/, and the tour's text.
function learnerTexts(): string[] {
  const underDocs = readdirSync(path.join(REPO_ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join("docs", file));
  const tour = readdirSync(path.join(REPO_ROOT, "cli", "tour"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => path.join("cli", "tour", file));
  return ["README.md", ...underDocs, ...tour].sort();
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

// A compose command that starts, recreates or removes a project: `docker compose ... up|down`.
const COMPOSE_UP_OR_DOWN = /docker compose\b[^\n`]*?\s(up|down)\b/;
const NAMES_A_PROJECT = /\s(-p|--project-name)[\s=]\S/;

describe("the learner's docs", () => {
  it.each(learnerTexts())("%s never has a learner kill processes by name", (file) => {
    const lines = read(file)
      .split("\n")
      .filter((line) => /\b(pkill|killall|pidof|pgrep)\b/.test(line));
    expect(lines).toEqual([]);
  });

  it.each(learnerTexts())(
    "%s starts or removes only labs of their own (a named compose project), never the learner's",
    (file) => {
      let projectExported = false;
      const offending: string[] = [];
      for (const line of read(file).split("\n")) {
        if (/^\s*export COMPOSE_PROJECT_NAME=\S/.test(line)) projectExported = true;
        if (/^\s*unset\b.*\bCOMPOSE_PROJECT_NAME\b/.test(line)) projectExported = false;
        if (COMPOSE_UP_OR_DOWN.test(line) && !NAMES_A_PROJECT.test(line) && !projectExported)
          offending.push(line);
      }
      expect(offending).toEqual([]);
    },
  );
});
