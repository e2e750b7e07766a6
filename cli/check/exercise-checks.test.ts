import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXERCISE_CHECKS } from "./exercise-checks.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");

/** Each exercise page by number, in both languages: `{ 4: "...", ... }`. */
function exercisePages(dir: string): Map<number, string> {
  const pages = new Map<number, string>();
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const number = /^(\d+)-.+\.md$/.exec(name)?.[1];
    if (number) pages.set(Number(number), readFileSync(path.join(ROOT, dir, name), "utf8"));
  }
  return pages;
}

describe("the exercises' checks", () => {
  const checked = Object.keys(EXERCISE_CHECKS).map(Number);

  it.each(["docs/exercises", "docs/zh/exercises"])(
    "are each run as %s/NN-*.md says: socklab check N",
    (dir) => {
      const pages = exercisePages(dir);
      for (const number of checked)
        expect({ number, says: pages.get(number)?.includes(`socklab check ${number}`) }).toEqual({
          number,
          says: true,
        });
      // And no page names a check that does not exist.
      for (const [number, page] of pages)
        for (const [, named] of page.matchAll(/socklab check (\d+)/g))
          expect({ number, named: Number(named) }).toEqual({ number, named: number });
    },
  );
});
