import { describe, expect, it } from "vitest";
import { invokedAs } from "../output/invoked-as.ts";
import { socklabExecFlags } from "./run-in-workbench.ts";

describe("socklabExecFlags", () => {
  it("tells socklab in the workbench how the learner started it on the host, so that its hints name that command", () => {
    const flags = socklabExecFlags(["-T"], "npx socklab");
    expect(flags).toEqual(["-T", "--env", "SOCKLAB_INVOKED_AS=npx socklab"]);
    // The workbench's socklab, with the variable exec sets and no npm variables, prints the host's command.
    const env = Object.fromEntries([flags[2]?.split("=") ?? []]) as NodeJS.ProcessEnv;
    expect(invokedAs(env, "/usr/local/bin/socklab", "/home/lab")).toBe("npx socklab");
  });
});
