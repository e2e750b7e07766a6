import { describe, expect, it } from "vitest";
import { TOUR_STEPS } from "./tour-steps.ts";
import { TOUR_TEXTS, type TourTexts } from "./tour-texts.ts";

// Each text rendered with the same sample arguments (digits, which serve as numbers and as names).
const SAMPLE_ARGS = ["41234", "2"] as const;

function render(text: unknown): string {
  if (typeof text === "string") return text;
  if (typeof text === "function") {
    const args = Array.from({ length: text.length }, (_, i) => SAMPLE_ARGS[i % SAMPLE_ARGS.length]);
    return String((text as (...a: unknown[]) => unknown)(...args));
  }
  return "";
}

/** Every text of a language by its path (`handshake.during`), rendered. */
function flatten(texts: object, prefix = ""): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(texts)) {
    if (typeof value === "object" && value !== null)
      for (const [k, v] of flatten(value as object, `${prefix}${key}.`)) flat.set(k, v);
    else flat.set(`${prefix}${key}`, render(value));
  }
  return flat;
}

// A command is what a learner types: a `code span`, or a line that starts with npx socklab.
// `--lang zh` is how the Chinese tour names itself again, so it is not a different command.
function commandsIn(text: string): string[] {
  const spans = [...text.matchAll(/`([^`]+)`|^\s*(npx socklab [a-z0-9 .-]*?)(?:\s{2,}|$)/gm)];
  return spans.map((m) => (m[1] ?? m[2] ?? "").replace(" --lang zh", "").trim());
}

const numbersIn = (text: string): string[] => text.match(/\d+/g) ?? [];

describe("the tour's texts", () => {
  const english = flatten(TOUR_TEXTS.en);
  const languages = Object.entries<TourTexts>(TOUR_TEXTS);

  it("has a title in every language for every step of the tour", () => {
    for (const [, texts] of languages)
      for (const step of TOUR_STEPS) expect(texts[step.key].title.length).toBeGreaterThan(0);
  });

  it.each(languages)("in %s says the same things as in English, none missing, none extra", (_, texts) => {
    expect([...flatten(texts).keys()]).toEqual([...english.keys()]);
  });

  it("finds the commands it compares: the closing list's and the code spans", () => {
    expect(commandsIn(english.get("whatNext") ?? "")).toEqual([
      "npx socklab shell",
      "npx socklab netstat --watch",
      "npx socklab chat --nick you",
      "npx socklab get tour.bin",
      "npx socklab capture tcp-echo",
      "npx socklab check 4",
      "npx socklab tour",
    ]);
    expect(commandsIn(english.get("chat.shared") ?? "")).toEqual(["socat - TCP:chat:6667"]);
  });

  it.each(languages)("in %s prints the same commands in the same order as in English", (_, texts) => {
    for (const [key, text] of flatten(texts))
      expect({ key, commands: commandsIn(text) }).toEqual({
        key,
        commands: commandsIn(english.get(key) ?? ""),
      });
  });

  it.each(languages)("in %s shows the same ports, sizes and counts as in English", (_, texts) => {
    for (const [key, text] of flatten(texts))
      expect({ key, numbers: numbersIn(text) }).toEqual({ key, numbers: numbersIn(english.get(key) ?? "") });
  });
});
