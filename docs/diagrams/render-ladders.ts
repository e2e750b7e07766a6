// Draws the ladders of docs/tcp-states.md from the runs record-ladders.ts recorded in a real lab:
// an SVG per run beside this file, and the text ladders between the markers in tcp-states.md. A
// test keeps both equal to what this writes:   npm run docs:states
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderLadderSvg } from "../../labkit/trace/render-ladder-svg.ts";
import { renderLadderText } from "../../labkit/trace/render-ladder-text.ts";
import type { Timeline } from "../../labkit/trace/trace-event.ts";

const DIAGRAMS_DIR = import.meta.dirname;
export const STATES_DOC = path.join(DIAGRAMS_DIR, "..", "tcp-states.md");
export const LADDER_NAMES = ["echo", "refused", "reset"] as const;
export type LadderName = (typeof LADDER_NAMES)[number];

// What each recorded run was, in the doc's words.
const CAPTIONS: Readonly<Record<LadderName, string>> = {
  echo: "`echo hi | nc -q1 tcp-echo 7` from the workbench: the handshake, 3 bytes each way, and the four-way close",
  refused: "`nc -z tcp-echo 9` from the workbench: a SYN to a port nobody listens on, answered by a RST",
  reset: "A Python client that connects to tcp-echo and closes with `SO_LINGER` 0: a RST instead of a FIN",
};

export function readRecorded(name: LadderName): Timeline {
  return JSON.parse(
    readFileSync(path.join(DIAGRAMS_DIR, "recorded", `${name}.timeline.json`), "utf8"),
  ) as Timeline;
}

/** Each recorded run's ladder as SVG, by its file name in docs/diagrams/. */
export function renderLadderSvgs(): Map<string, string> {
  return new Map(LADDER_NAMES.map((name) => [`${name}.ladder.svg`, renderLadderSvg(readRecorded(name))]));
}

/** What stands between `<!-- recorded-ladder:NAME -->` and `<!-- /recorded-ladder -->`. */
export function ladderBlock(name: LadderName): string {
  const timeline = readRecorded(name);
  return [
    `<!-- recorded-ladder:${name} (npm run docs:states draws it from diagrams/recorded/${name}.timeline.json) -->`,
    "",
    `${CAPTIONS[name]}, recorded ${timeline.startedAt.slice(0, 10)}:`,
    "",
    `![The ladder of ${name}](diagrams/${name}.ladder.svg)`,
    "",
    "```text",
    renderLadderText(timeline).trimEnd(),
    "```",
    "",
    "<!-- /recorded-ladder -->",
  ].join("\n");
}

const BLOCK = /<!-- recorded-ladder:(\w+)[^>]*-->[\s\S]*?<!-- \/recorded-ladder -->/g;

/** tcp-states.md with every recorded-ladder block drawn again from its recording. */
export function renderStatesDoc(doc: string): string {
  return doc.replace(BLOCK, (block, name: string) =>
    (LADDER_NAMES as readonly string[]).includes(name) ? ladderBlock(name as LadderName) : block,
  );
}

if (import.meta.main) {
  for (const [file, svg] of renderLadderSvgs()) writeFileSync(path.join(DIAGRAMS_DIR, file), svg);
  writeFileSync(STATES_DOC, renderStatesDoc(readFileSync(STATES_DOC, "utf8")));
}
