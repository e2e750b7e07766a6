// What the docs tell a learner to type must leave their running lab and their other processes alone.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = path.join(import.meta.dirname, "..");

// Everything a learner reads: the README, every page under docs/, the tour's text, and the comments
// of the compose files they open to see the lab.
function learnerTexts(): string[] {
  const underDocs = readdirSync(path.join(REPO_ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join("docs", file));
  const tour = readdirSync(path.join(REPO_ROOT, "cli", "tour"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => path.join("cli", "tour", file));
  const composeFiles = readdirSync(REPO_ROOT).filter((file) => /^docker-compose.*\.yml$/.test(file));
  return ["README.md", ...underDocs, ...tour, ...composeFiles].sort();
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

// A compose command that starts, recreates or removes a project: `docker compose ... up|down`.
const COMPOSE_UP_OR_DOWN = /docker compose\b[^\n`]*?\s(up|down)\b/;
const NAMES_A_PROJECT = /\s(-p|--project-name)[\s=]\S/;
// `npx socklab down` or `docker compose ... down`, and whether it removes the volumes too.
const TAKES_A_LAB_DOWN = /(socklab|docker compose\b[^\n`]*?)\sdown\b/;
const WITH_VOLUMES = /\sdown\b[^\n`#]*\s(--volumes|-v)\b/;

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

  it.each(learnerTexts())(
    "%s removes a lab of their own whole, with its volumes (the stored files' filestore)",
    (file) => {
      let projectExported = false;
      const leftBehind: string[] = [];
      for (const line of read(file).split("\n")) {
        if (/^\s*export COMPOSE_PROJECT_NAME=\S/.test(line)) projectExported = true;
        if (/^\s*unset\b.*\bCOMPOSE_PROJECT_NAME\b/.test(line)) projectExported = false;
        const ownLab = projectExported || NAMES_A_PROJECT.test(line);
        if (ownLab && TAKES_A_LAB_DOWN.test(line) && !WITH_VOLUMES.test(line)) leftBehind.push(line);
      }
      expect(leftBehind).toEqual([]);
    },
  );

  it.each(learnerTexts())(
    "%s prints commands that work on the Node a learner has (npx socklab, not node cli/main.ts)",
    (file) => {
      // cli/main.ts is TypeScript: a Node older than the pinned one refuses it (ERR_UNKNOWN_FILE_EXTENSION).
      const lines = read(file)
        .split("\n")
        .filter((line) => /\bnode\s+(\.\/)?cli\/main\.ts\b/.test(line));
      expect(lines).toEqual([]);
    },
  );

  it.each(learnerTexts())(
    "%s has a learner chat with a client that ends when the server closes, or says why nc does not",
    (file) => {
      // After /quit the server closes its half; interactive nc keeps its own half open, waiting
      // for the learner's next line, and sits in CLOSE_WAIT: only a paragraph explaining that may
      // show it. Piped input (`printf ... | nc chat 6667`) ends, so it may be shown anywhere.
      const paragraphs = read(file).split(/\n\s*\n/);
      const interactiveNc = paragraphs.filter(
        (paragraph) => /(?<!\|\s*)\bnc chat 6667\b/.test(paragraph) && !paragraph.includes("CLOSE_WAIT"),
      );
      expect(interactiveNc).toEqual([]);
    },
  );
});
