import { describe, expect, it } from "vitest";
import { findFaultSpecProblem } from "./validate-fault-spec.ts";
import type { FaultSpec } from "./fault-spec.ts";

const SERVICES = ["chat", "tcp-echo", "workbench"];

describe("findFaultSpecProblem", () => {
  it.each<[FaultSpec, string]>([
    [
      { kind: "loss", service: "nope", percent: 5 },
      "no running service nope in the lab; valid services: chat, tcp-echo, workbench",
    ],
    [
      { kind: "jam", service: "chat" } as unknown as FaultSpec,
      "unknown fault kind jam; valid kinds: loss, blackhole",
    ],
    [{ kind: "loss", service: "chat", percent: 101 }, "percent must be an integer 0-100, got 101"],
    [{ kind: "partition", service: "chat", peer: "chat" }, "chat cannot be its own peer"],
    [
      { kind: "bandwidth", service: "chat", rateKbitPerSecond: 800, port: 7 },
      "bandwidth acts on everything chat sends",
    ],
    [
      { kind: "reset", service: "chat", newOnly: true, afterBytes: 10 },
      "--after-bytes or --new-only, not both",
    ],
    [{ kind: "drop", service: "chat", flags: [] }, "flags must be some of syn, syn-ack, fin, rst"],
    [{ kind: "blackhole", service: "chat", seconds: 7200 }, "seconds must be 1-3600, got 7200"],
  ])("refuses %j", (spec, problem) => {
    expect(findFaultSpecProblem(spec, SERVICES)).toContain(problem);
  });

  it("accepts a well-formed fault", () => {
    expect(
      findFaultSpecProblem(
        { kind: "loss", service: "chat", percent: 20, port: 6667, peer: "workbench" },
        SERVICES,
      ),
    ).toBeUndefined();
  });
});
