import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { transitionsAt } from "../../labkit/trace/transitions-at.ts";
import {
  LADDER_NAMES,
  readRecorded,
  renderLadderSvgs,
  renderStatesDoc,
  STATES_DOC,
} from "./render-ladders.ts";

const doc = readFileSync(STATES_DOC, "utf8");

describe("the ladders of docs/tcp-states.md", () => {
  it.each([...renderLadderSvgs()])("%s is what npm run docs:states draws from its recording", (file, svg) => {
    expect(readFileSync(path.join(import.meta.dirname, file), "utf8")).toBe(svg);
  });

  it("has every text ladder as npm run docs:states draws it (run it after a new recording)", () => {
    expect(doc).toBe(renderStatesDoc(doc));
  });

  it.each(LADDER_NAMES)("shows the %s ladder in tcp-states.md", (name) => {
    expect(doc).toContain(`<!-- recorded-ladder:${name} `);
    expect(doc).toContain(`](diagrams/${name}.ladder.svg)`);
  });

  // The recordings are real runs: states from the kernel, both ends, every packet of one connection.
  it("draws the echo from a kernel recording with both ends' whole sequences", () => {
    const echo = readRecorded("echo");
    expect(echo.statesSource).toBe("kernel");
    expect(transitionsAt(echo, { service: "workbench" }).map((t) => t.states)).toEqual([
      ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"],
    ]);
    expect(transitionsAt(echo, { service: "tcp-echo" }).map((t) => t.states)).toEqual([
      ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"],
    ]);
    const sent = echo.events.filter((e) => e.kind === "packet" && e.direction === "out");
    const arrived = echo.events.filter((e) => e.kind === "packet" && e.direction === "in");
    expect(arrived).toHaveLength(sent.length);
  });

  it("draws the refused and reset runs with the RSTs the kernel sent and received", () => {
    const resetsOf = (name: "refused" | "reset") =>
      readRecorded(name)
        .events.filter((e) => e.kind === "reset")
        .map((e) => `${e.end} ${e.direction}`)
        .sort();
    expect(resetsOf("refused")).toEqual(["tcp-echo sent", "workbench received"]);
    expect(resetsOf("reset")).toEqual(["tcp-echo received", "workbench sent"]);
  });
});
