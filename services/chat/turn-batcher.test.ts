import { describe, expect, it } from "vitest";
import { TurnBatcher } from "./turn-batcher.ts";

describe("TurnBatcher", () => {
  it("runs a task once at the end of the turn, however often it was added", async () => {
    const batcher = new TurnBatcher();
    const runs: string[] = [];
    const flushA = (): number => runs.push("a");
    batcher.add(flushA);
    batcher.add(flushA);
    batcher.add(() => runs.push("b"));
    expect(runs).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual(["a", "b"]);
  });
});
