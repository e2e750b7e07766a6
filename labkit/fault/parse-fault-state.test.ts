import { describe, expect, it } from "vitest";
import { parseFaultState } from "./parse-fault-state.ts";

describe("parseFaultState", () => {
  it("reads socklab's nftables tables with their comments and its root qdisc", () => {
    const text = [
      "nft netdev socklab_1a2b3c4d loss 30% both, port 7",
      "nft inet socklab_99aa00ff reset after 1000 bytes in",
      "tc qdisc tbf 5ac: root refcnt 3 rate 8Mbit burst 64Kb lat 400ms ",
      "",
    ].join("\n");
    expect(parseFaultState(text)).toEqual([
      { mechanism: "nftables", name: "netdev socklab_1a2b3c4d", description: "loss 30% both, port 7" },
      { mechanism: "nftables", name: "inet socklab_99aa00ff", description: "reset after 1000 bytes in" },
      { mechanism: "tc", name: "tbf 5ac:", description: "tbf rate 8Mbit burst 64Kb lat 400ms" },
    ]);
  });

  it("reads nothing from a namespace without faults", () => {
    expect(parseFaultState("")).toEqual([]);
  });
});
