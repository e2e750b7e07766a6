import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { socklabCommand } from "../output/invoked-as.ts";
import { formatFaults, rateKbit } from "./fault-command.ts";

describe("rateKbit", () => {
  it.each([
    ["800kbit", 800],
    ["8mbit", 8_000],
    ["1.5Mbit", 1_500],
    ["1gbit", 1_000_000],
  ])("reads %s as %i kbit/s", (text, kbit) => {
    expect(rateKbit(text)).toBe(kbit);
  });

  it.each(["8", "8mb", "fast", "0kbit"])("refuses %s with the forms it takes", (text) => {
    expect(() => rateKbit(text)).toThrow(InvalidArgumentError);
    expect(() => rateKbit(text)).toThrow(/like 800kbit, 8mbit or 1gbit/);
  });
});

describe("formatFaults", () => {
  it("shows each fault with what holds it in the kernel and when it ends, and a dash for none", () => {
    const now = new Date("2026-12-06T08:00:00Z");
    const text = formatFaults(
      [
        { service: "chat", faults: [] },
        {
          service: "tcp-echo",
          faults: [
            {
              mechanism: "nftables",
              name: "netdev socklab_1a2b3c4d",
              description: "loss 20% in",
              expiresAt: new Date("2026-12-06T08:01:00Z"),
            },
            { mechanism: "tc", name: "tbf 5ac:", description: "tbf rate 8Mbit burst 64Kb lat 400ms" },
          ],
        },
      ],
      now,
    );
    expect(text.split("\n")).toEqual([
      "SERVICE   FAULT                                IN THE KERNEL                     ENDS",
      "chat      -",
      "tcp-echo  loss 20% in                          nftables netdev socklab_1a2b3c4d  in 60 s",
      `tcp-echo  tbf rate 8Mbit burst 64Kb lat 400ms  tc tbf 5ac:                       held by no helper: ${socklabCommand("fault clear")} removes it`,
      "",
    ]);
  });
});
