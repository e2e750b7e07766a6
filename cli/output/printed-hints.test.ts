// A hint that tells the user what to type next must print the command as they can type it where they
// are (`npx socklab up` on the host, `socklab up` in the workbench): socklabCommand(), not a literal.
// Help texts go through commander, whose output withInvocation() rewrites; what a command writes
// itself or throws does not, so a literal `socklab <command>` there is a stale hint.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const CLI_DIR = path.join(import.meta.dirname, "..");

const sources = readdirSync(CLI_DIR, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
  .sort();
const read = (file: string) => readFileSync(path.join(CLI_DIR, file), "utf8");

// Every command name the CLI registers, `hosts up` and `fault clear` included.
const COMMAND_NAMES = [
  ...new Set(sources.flatMap((file) => [...read(file).matchAll(/\.command\("([a-z-]+)/g)].map((m) => m[1]))),
];

// Where text goes to the user without commander: a write, or the message of an error it prints.
const PRINTING_CALL =
  /process\.std(?:out|err)\.write\(|new SocklabError\(|new InvalidArgumentError\(|new CheckFailure\(/g;
// The checks keep their hints in constants, e.g. `const STEP_3 = ...;`, printed by a CheckFailure.
const HINT_CONSTANT = /^const [A-Z0-9_]+ =/gm;

/** The argument text of the call whose "(" ends at `from`, up to its balanced ")". */
function callArguments(text: string, from: number): string {
  let depth = 1;
  let at = from;
  for (; at < text.length && depth > 0; at++) {
    if (text[at] === "(") depth++;
    else if (text[at] === ")") depth--;
  }
  return text.slice(from, at - 1);
}

/** The text of a constant from its `=` to the `;` that ends its line. */
function constantText(text: string, from: number): string {
  const end = text.indexOf(";\n", from);
  return text.slice(from, end === -1 ? undefined : end);
}

/**
 * `socklab <command>` (or `npx socklab <command>`, which is wrong where socklab was started otherwise)
 * written as a literal, other than the `socklab <command>:` that prefixes a message.
 */
function literalHints(args: string): string[] {
  const mention = new RegExp(`(?<![\\w/-])(?:npx )?socklab (?:${COMMAND_NAMES.join("|")})\\b`, "g");
  return [...args.matchAll(mention)]
    .filter((m) => !/^(?: [a-z-]+)?:/.test(args.slice(m.index + m[0].length)))
    .map((m) => args.slice(m.index, m.index + 60).split("\n")[0] ?? "");
}

describe("the hints the CLI prints", () => {
  it("knows the commands it looks for", () => {
    expect(COMMAND_NAMES).toEqual(
      expect.arrayContaining(["up", "hosts", "stop", "netstat", "fault", "clear"]),
    );
  });

  it.each(sources)("%s prints every command it hints at through socklabCommand()", (file) => {
    const text = read(file);
    const hints = [
      ...[...text.matchAll(PRINTING_CALL)].map((call) => callArguments(text, call.index + call[0].length)),
      ...[...text.matchAll(HINT_CONSTANT)].map((constant) => constantText(text, constant.index)),
    ].flatMap(literalHints);
    expect(hints).toEqual([]);
  });
});
